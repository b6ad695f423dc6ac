"""The frozen migration steps build today's schema (``registry.schema``), on SQLite and on a real
PostgreSQL, and never read today's definitions."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect

from registry import open_registry, schema
from registry.migrations import LATEST, current_version
from tests.servers import fresh_database

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def shape(engine: Engine) -> dict[str, object]:
    """Every table's columns (type, nullable, server default), keys, constraints and indexes."""
    found = inspect(engine)
    out: dict[str, object] = {}
    for table in sorted(found.get_table_names()):
        columns = {
            c["name"]: (str(c["type"]), c["nullable"], c.get("default")) for c in found.get_columns(table)
        }
        primary = tuple(found.get_pk_constraint(table)["constrained_columns"])
        uniques = sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table))
        indexes = sorted(
            (str(i["name"]), tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
            for i in found.get_indexes(table)
        )
        keys = sorted(
            (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
            for f in found.get_foreign_keys(table)
        )
        out[table] = (columns, primary, uniques, indexes, keys)
    return out


def todays_shape(url: str) -> dict[str, object]:
    engine = create_engine(url)
    try:
        schema.metadata.create_all(engine)
        return shape(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty databases of one kind: one for the steps, one for today's definitions."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'steps.db'}", f"sqlite:///{tmp_path / 'today.db'}"
        return
    server: str = request.getfixturevalue("postgres_url")
    steps, today = (fresh_database(server, name) for name in ("steps", "today"))
    # (today's definitions are created with SQLAlchemy's engine alone: its driver named)
    yield steps, today.replace("postgresql://", "postgresql+psycopg://")


def test_the_steps_build_todays_schema(urls: tuple[str, str]) -> None:
    steps_url, today_url = urls
    registry = open_registry(steps_url)
    try:
        with registry.engine.connect() as conn:
            assert current_version(conn) == LATEST
        built = shape(registry.engine)
    finally:
        registry.close()
    assert built == todays_shape(today_url)


def test_no_step_reads_todays_definitions() -> None:
    """A step that imported ``registry.schema`` would build an old database's tables as they are
    today: its upgrade would change with every later change of the schema."""
    bad = []
    for path in sorted((ROOT / "registry" / "migrations").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                top = module.split(".")[0]
                if top not in ("__future__", "collections", "datetime", "sqlalchemy") and not (
                    module.startswith("registry.migrations")
                ):
                    bad.append(f"{path.name} imports {module}")
    assert not bad, bad
