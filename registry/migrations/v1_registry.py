"""Step 1 (54f459a, "Registry, raw archive, meter semantics and the ingest pipeline"): tenants,
sites, devices, API keys, the raw archive, dead letters, link health, device alarms, and the
table of applied steps. Frozen: never edit (add a step instead)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import run

DDL = """
CREATE TABLE IF NOT EXISTS tenants (
    id {id} NOT NULL,
    slug VARCHAR(64) NOT NULL,
    name VARCHAR(200) NOT NULL,
    is_owner BOOLEAN NOT NULL,
    created_at {time} NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (slug)
);
CREATE TABLE IF NOT EXISTS sites (
    id {id} NOT NULL,
    tenant_id {ref} NOT NULL,
    slug VARCHAR(64) NOT NULL,
    name VARCHAR(200) NOT NULL,
    address VARCHAR(300),
    latitude FLOAT,
    longitude FLOAT,
    floor_area_m2 FLOAT,
    use VARCHAR(64),
    open_data BOOLEAN NOT NULL,
    created_at {time} NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE INDEX IF NOT EXISTS ix_sites_tenant_id ON sites (tenant_id);
CREATE TABLE IF NOT EXISTS devices (
    dev_eui VARCHAR(16) NOT NULL,
    tenant_id {ref} NOT NULL,
    site_id {ref},
    name VARCHAR(200) NOT NULL,
    model VARCHAR(120) NOT NULL,
    metering_point VARCHAR(120),
    pulse_quantity VARCHAR(64),
    pulse_weight FLOAT,
    register_max FLOAT,
    expected_interval_s INTEGER,
    tags JSON NOT NULL,
    status VARCHAR(20) NOT NULL,
    app_skey_wrapped {bytes},
    created_at {time} NOT NULL,
    PRIMARY KEY (dev_eui),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    FOREIGN KEY (site_id) REFERENCES sites (id)
);
CREATE INDEX IF NOT EXISTS ix_devices_site_id ON devices (site_id);
CREATE INDEX IF NOT EXISTS ix_devices_tenant_id ON devices (tenant_id);
CREATE TABLE IF NOT EXISTS api_keys (
    id {id} NOT NULL,
    prefix VARCHAR(16) NOT NULL,
    secret_hash VARCHAR(128) NOT NULL,
    tenant_id {ref} NOT NULL,
    role VARCHAR(20) NOT NULL,
    name VARCHAR(200) NOT NULL,
    created_at {time} NOT NULL,
    revoked_at {time},
    PRIMARY KEY (id),
    UNIQUE (prefix),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE TABLE IF NOT EXISTS uplinks (
    id {id} NOT NULL,
    dedup_key VARCHAR(200) NOT NULL,
    dev_eui VARCHAR(16) NOT NULL,
    f_port INTEGER NOT NULL,
    f_cnt BIGINT,
    payload {bytes} NOT NULL,
    received_at {time} NOT NULL,
    lns VARCHAR(32) NOT NULL,
    source VARCHAR(64) NOT NULL,
    meta JSON NOT NULL,
    state VARCHAR(20) NOT NULL,
    error TEXT,
    decoder VARCHAR(160),
    readings INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (dedup_key)
);
CREATE INDEX IF NOT EXISTS ix_uplinks_device_time ON uplinks (dev_eui, received_at);
CREATE INDEX IF NOT EXISTS ix_uplinks_state ON uplinks (state);
CREATE TABLE IF NOT EXISTS dead_letters (
    id {id} NOT NULL,
    received_at {time} NOT NULL,
    topic VARCHAR(500) NOT NULL,
    body {bytes} NOT NULL,
    error TEXT NOT NULL,
    source VARCHAR(64) NOT NULL,
    PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS device_link (
    dev_eui VARCHAR(16) NOT NULL,
    last_seen {time} NOT NULL,
    last_f_cnt BIGINT,
    frames BIGINT NOT NULL,
    lost BIGINT NOT NULL,
    last_rssi FLOAT,
    last_snr FLOAT,
    battery_level FLOAT,
    battery_voltage FLOAT,
    PRIMARY KEY (dev_eui)
);
CREATE TABLE IF NOT EXISTS device_alarms (
    id {id} NOT NULL,
    dev_eui VARCHAR(16) NOT NULL,
    uplink_id BIGINT,
    kind VARCHAR(40) NOT NULL,
    channel VARCHAR(20) NOT NULL,
    detail TEXT NOT NULL,
    at {time} NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (uplink_id, kind, channel)
);
CREATE INDEX IF NOT EXISTS ix_device_alarms_dev_eui ON device_alarms (dev_eui);
CREATE TABLE IF NOT EXISTS schema_version (
    version {serial} NOT NULL,
    applied_at {time} NOT NULL,
    PRIMARY KEY (version)
);
"""


def upgrade(conn: Connection) -> None:
    run(conn, DDL)
