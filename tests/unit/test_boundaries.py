"""Dependencies point inward: each package imports only what the architecture allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("releve", "gateway_bridge", "decoders", "ingest", "api", "dashboards", "simulator")

# package -> project packages it may import
ALLOWED: dict[str, set[str]] = {
    "decoders": set(),
    "dashboards": set(),
    "ingest": {"decoders", "releve"},
    "gateway_bridge": {"decoders", "ingest", "releve"},
    "simulator": {"decoders", "releve", "gateway_bridge"},
    "api": {"decoders", "ingest", "releve", "dashboards"},
    # the CLI and runtime wire everything together
    "releve": set(PACKAGES),
}
# releve's shared modules (types, settings, CSV cells, text fields) must not pull the rest in
SHARED_RELEVE = {"types.py", "settings.py", "csv_cells.py", "fields.py", "__init__.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_it_may(package: str) -> None:
    bad = []
    for path in (ROOT / package).rglob("*.py"):
        allowed = ALLOWED[package] | {package}
        if package == "releve" and path.name in SHARED_RELEVE:
            allowed = {"releve"}
        for imported in _imports(path) - allowed:
            bad.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not bad, "\n".join(bad)


def test_paho_is_imported_by_one_module_only() -> None:
    users = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "paho" in {name.split(".")[0] for name in _all_modules(path)}
    ]
    assert users == ["gateway_bridge/mqtt.py"]


def _all_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names
