"""The layers of the code, and the arrows between them: each points down, never up.

    releve (application: CLI, runtime wiring, services, broker, workers)
      api, gateway_bridge, simulator          (the edges: HTTP, MQTT, the simulated fleet)
        ingest, domain                        (the ingestion path; consumption, alerts, costs,
                                               climate, portability)
          store, registry                     (time series; relational registry)
            decoders, dashboards              (pure decoders; static page and boards)
              kernel                          (types, settings: imports nothing of releve)

A package imports only packages of layers below its own, and of its own layer only what
SIDEWAYS lists. The domain's subpackages have an order of their own (DOMAIN). Decoders,
dashboards and the kernel import nothing of the project at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LAYERS: tuple[tuple[str, ...], ...] = (
    ("kernel",),
    ("decoders", "dashboards"),
    ("store", "registry"),
    ("ingest", "domain"),
    ("api", "gateway_bridge", "simulator"),
    ("releve",),
)
PACKAGES = tuple(package for layer in LAYERS for package in layer)
ISOLATED = {"kernel", "decoders", "dashboards"}
SIDEWAYS: dict[str, set[str]] = {"simulator": {"gateway_bridge"}}
# domain subpackage -> the domain subpackages it may import
DOMAIN: dict[str, set[str]] = {
    "consumption": set(),
    "alerts": set(),
    "costs": {"consumption"},
    "climate": {"consumption", "alerts"},
    "portability": {"alerts", "climate", "costs"},
}
MAX_LINES = 500


def _layer(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def _imported(path: Path) -> set[str]:
    """The project modules a file imports, as ``package`` or ``domain.<subpackage>``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "domain":
                names = [f"domain.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] in PACKAGES:
                found.add(".".join(parts[:2]) if parts[0] == "domain" and len(parts) > 1 else parts[0])
    return found


def _may_import(importer: str, imported: str) -> bool:
    """Whether ``importer`` (a package, or ``domain.<subpackage>``) may import ``imported``."""
    if importer == imported:
        return True
    source, target = importer.split(".")[0], imported.split(".")[0]
    if source == target == "domain":
        inner = importer.split(".")[1:2]
        return bool(inner) and imported.split(".")[1] in DOMAIN.get(inner[0], set())
    if source in ISOLATED:
        return False
    if _layer(target) == _layer(source):
        return target in SIDEWAYS.get(source, set())
    return _layer(target) < _layer(source)


def violations(root: Path) -> list[str]:
    """Every import of a module under ``root`` that points up or sideways without leave."""
    bad = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            importer = package
            if package == "domain" and len(relative.parts) > 2:
                importer = f"domain.{relative.parts[1]}"
            for imported in sorted(_imported(path)):
                if not _may_import(importer, imported):
                    bad.append(f"{relative} imports {imported}")
    return bad


def test_every_arrow_points_down() -> None:
    assert violations(ROOT) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("store/planted.py", "from api.deps import AppState\n"),
        ("kernel/planted.py", "from store import Store\n"),
        ("registry/planted.py", "import store.errors\n"),
        ("ingest/planted.py", "from domain.alerts import AlertBook\n"),
        ("domain/consumption/planted.py", "from domain.costs import tariffs\n"),
        ("domain/alerts/planted.py", "from domain import climate\n"),
        ("api/planted.py", "from gateway_bridge.mqtt import Message\n"),
        ("decoders/planted.py", "from kernel.types import Reading\n"),
    ],
)
def test_an_arrow_that_points_up_or_sideways_is_found(tmp_path: Path, module: str, source: str) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    path = tmp_path / module
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    (tmp_path / "releve" / "fine.py").write_text("from api.app import create_app\nfrom domain import costs\n")
    (tmp_path / "domain" / "climate").mkdir(exist_ok=True)
    (tmp_path / "domain" / "climate" / "fine.py").write_text("from domain.alerts import Thresholds\n")
    assert violations(tmp_path) == [f"{module} imports {sorted(_imported(path))[0]}"]


def test_layers_name_every_package_of_the_tree() -> None:
    found = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert found == set(PACKAGES)
    assert {p.parent.name for p in (ROOT / "domain").glob("*/__init__.py")} == set(DOMAIN)


def test_mqtt_libraries_are_imported_by_one_module_only() -> None:
    users = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if {"paho", "gmqtt"} & {name.split(".")[0] for name in _all_modules(path)}
    ]
    assert users == ["gateway_bridge/mqtt.py"]


def test_modules_stay_small() -> None:
    large = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert large == []


def test_every_table_is_defined_in_the_registry_schema() -> None:
    """Tables live in registry/schema.py; the migration steps write their own DDL, and the runner
    its own view of the table of applied steps."""
    defining = sorted(
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if any(
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Table"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )
    assert defining == ["registry/migrations/runner.py", "registry/schema.py"]


def _all_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names
