"""Migration step 6 brings a version-5 registry to the register columns, audit log and usage table,
on SQLite and on a real PostgreSQL, keeping the devices it holds."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, text

from registry import Device, open_registry
from registry.migrations import current_version

pytestmark = pytest.mark.integration


def downgrade_to_version_5(registry_url: str) -> None:
    """The registry as releve left it before step 6: no register columns, no audit or usage tables."""
    registry = open_registry(registry_url)
    town = registry.owner_tenant()
    with registry.engine.begin() as conn:
        for column in ("purpose", "operated_by", "installed_at"):
            conn.execute(text(f"ALTER TABLE devices DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE audit_log"))
        conn.execute(text("DROP TABLE api_usage"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 5"))
        conn.execute(
            text(
                "INSERT INTO devices (dev_eui, tenant_id, name, model, tags, status, created_at) "
                "VALUES ('0102030405060708', :tenant, 'eau', 'netvox/r718h', '{}', 'active', '2025-01-01')"
            ),
            {"tenant": town.id},
        )
    registry.close()


def test_step_6_adds_the_columns_and_tables_and_keeps_the_devices(registry_url: str) -> None:
    downgrade_to_version_5(registry_url)
    registry = open_registry(registry_url)
    try:
        with registry.engine.connect() as conn:
            assert current_version(conn) >= 6
            columns = {c["name"] for c in inspect(conn).get_columns("devices")}
            tables = set(inspect(conn).get_table_names())
        assert {"purpose", "operated_by", "installed_at"} <= columns
        assert {"audit_log", "api_usage"} <= tables
        old = registry.get_device("0102030405060708")
        assert (old.name, old.purpose, old.installed_at) == ("eau", None, None)
        town = registry.owner_tenant()
        registry.add_devices(
            [
                Device(
                    "0102030405060709",
                    town.id,
                    "co2",
                    "netvox/r718h",
                    purpose="air",
                    operated_by="Atmo",
                    installed_at=date(2026, 3, 1),
                )
            ]
        )
        assert registry.get_device("0102030405060709").installed_at == date(2026, 3, 1)
    finally:
        registry.close()
    # Opening again is a no-op.
    open_registry(registry_url).close()
