"""Step 5 (61a9160, "Climate"): weather observations, each site's weather source, per-site
thresholds. Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import run

DDL = """
CREATE TABLE IF NOT EXISTS weather_observations (
    tenant_id {ref} NOT NULL,
    station VARCHAR(64) NOT NULL,
    ts {time} NOT NULL,
    temperature FLOAT NOT NULL,
    PRIMARY KEY (tenant_id, station, ts),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE INDEX IF NOT EXISTS ix_weather_station_time ON weather_observations (tenant_id, station);
CREATE TABLE IF NOT EXISTS site_weather (
    site_id {ref} NOT NULL,
    station VARCHAR(64),
    dev_eui VARCHAR(16),
    updated_at {time} NOT NULL,
    PRIMARY KEY (site_id),
    FOREIGN KEY (site_id) REFERENCES sites (id)
);
CREATE TABLE IF NOT EXISTS site_thresholds (
    site_id {ref} NOT NULL,
    overrides JSON NOT NULL,
    updated_at {time} NOT NULL,
    PRIMARY KEY (site_id),
    FOREIGN KEY (site_id) REFERENCES sites (id)
);
"""


def upgrade(conn: Connection) -> None:
    run(conn, DDL)
