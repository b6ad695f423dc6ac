"""A device's uplinks are read in two parts (``schema.BY_DEVICE``), each through an index: on a
town's years of archive, a scan of the uplinks table would take minutes per device."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement

from registry import open_registry, schema


@pytest.mark.parametrize(("part", "index"), [(0, "ix_uplinks_device_done"), (1, "ix_uplinks_state")])
def test_each_part_is_read_through_an_index(tmp_path: Path, part: int, index: str) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        u = schema.uplinks
        which: ColumnElement[bool] = schema.BY_DEVICE[part]  # type: ignore[assignment]
        query = select(u.c.id).where(u.c.dev_eui == "0102030405060708", which).order_by(u.c.id.desc())
        sql = str(query.compile(registry.engine, compile_kwargs={"literal_binds": True}))
        with registry.engine.connect() as conn:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    finally:
        registry.close()
    assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
