"""Dependencies point inward: each package imports only what the architecture allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "kernel",
    "store",
    "registry",
    "ingest",
    "domain",
    "releve",
    "gateway_bridge",
    "decoders",
    "api",
    "dashboards",
    "simulator",
)

# package -> project packages it may import
ALLOWED: dict[str, set[str]] = {
    "kernel": set(),
    "decoders": set(),
    "dashboards": set(),
    "store": {"kernel", "decoders"},
    "registry": {"kernel", "decoders", "ingest", "domain"},
    "ingest": {"kernel", "decoders", "store", "registry"},
    "domain": {"kernel", "decoders", "store", "registry", "ingest", "api"},
    "gateway_bridge": {"kernel", "decoders", "store", "registry", "ingest"},
    "simulator": {"kernel", "decoders", "gateway_bridge"},
    "api": {"kernel", "decoders", "store", "registry", "ingest", "domain", "dashboards"},
    # the CLI and runtime wire everything together
    "releve": set(PACKAGES),
}
# (no shared modules left in releve/: its types and settings moved to kernel/)
SHARED_RELEVE: set[str] = set()


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
