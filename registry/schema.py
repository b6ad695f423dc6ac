"""The registry database, every table of it: tenants, sites, devices, keys, the raw archive, dead
letters, link health and alarms, alerts, meter replacements, tariffs, weather and thresholds, the
audit log, API usage and the store's edit counter.

SQLAlchemy Core, so that one schema serves SQLite (one machine) and PostgreSQL (several workers).
This module is the current shape, and the only definition of each table. Migrations are numbered
steps in ``registry.migrations``, each with its own frozen copy of what it created: a change here
is a new step there (``tests/integration/test_migrations.py`` fails until the steps build it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Times stored in UTC and read back timezone-aware, on SQLite (which keeps no offset) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give times with a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

# An integer id that is a true auto-increment on both SQLite and PostgreSQL.
_Id = BigInteger().with_variant(Integer(), "sqlite")

tenants = Table(
    "tenants",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    # The network owner (the town): its admin keys see every tenant.
    Column("is_owner", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

sites = Table(
    "sites",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("tenant_id", ForeignKey("tenants.id"), nullable=False, index=True),
    Column("slug", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("address", String(300), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("floor_area_m2", Float, nullable=True),
    Column("use", String(64), nullable=True),
    Column("open_data", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "slug"),
)

devices = Table(
    "devices",
    metadata,
    Column("dev_eui", String(16), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id"), nullable=False, index=True),
    Column("site_id", ForeignKey("sites.id"), nullable=True, index=True),
    Column("name", String(200), nullable=False),
    Column("model", String(120), nullable=False),
    Column("metering_point", String(120), nullable=True),
    # A pulse counter's pulses become this quantity at this weight (canonical unit per pulse).
    Column("pulse_quantity", String(64), nullable=True),
    Column("pulse_weight", Float, nullable=True),
    # Where the device's index wraps (e.g. 65536 pulses, 100000 m3); None: the decoder's width.
    Column("register_max", Float, nullable=True),
    Column("expected_interval_s", Integer, nullable=True),
    Column("tags", JSON, nullable=False, default=dict),
    Column("status", String(20), nullable=False, default="active"),
    Column("app_skey_wrapped", LargeBinary, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # The public register of sensors (data charter): why it is there, who runs it, since when.
    Column("purpose", String(300), nullable=True),
    Column("operated_by", String(200), nullable=True),
    Column("installed_at", Date, nullable=True),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(128), nullable=False),
    Column("tenant_id", ForeignKey("tenants.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

# Raw archive: every uplink as the network server delivered it, before decoding.
uplinks = Table(
    "uplinks",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("dev_eui", String(16), nullable=False),
    Column("f_port", Integer, nullable=False),
    Column("f_cnt", BigInteger, nullable=True),
    Column("payload", LargeBinary, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("lns", String(32), nullable=False),
    Column("source", String(64), nullable=False, default=""),
    Column("meta", JSON, nullable=False, default=dict),
    # pending -> decoded | unknown_device | failed
    Column("state", String(20), nullable=False, default="pending"),
    Column("error", Text, nullable=True),
    Column("decoder", String(160), nullable=True),
    Column("readings", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
)
# Processed uplinks by device and time: the entry is made when an uplink is marked, a flush at a
# time, not when it is archived (registry.migrations.v9). A query by device takes its processed
# uplinks with ``PROCESSED`` and its pending ones with ``PENDING`` (through ix_uplinks_state):
# ``BY_DEVICE``, the two parts, each of which an index serves.
Index(
    "ix_uplinks_device_done",
    uplinks.c.dev_eui,
    uplinks.c.received_at,
    sqlite_where=text("state <> 'pending'"),
    postgresql_where=text("state <> 'pending'"),
)
# The index's condition, written out: SQLite uses a partial index only for a query whose WHERE
# holds that very term (a bound parameter in its place would not do).
PROCESSED = text("uplinks.state <> 'pending'")
Index("ix_uplinks_state", uplinks.c.state)
PENDING = uplinks.c.state == "pending"
BY_DEVICE = (PROCESSED, PENDING)
# The turn-of-the-hour keys of the frames received near one (registry.archive_keys): a copy heard
# on the other side of the turn is refused here.
uplink_edges = Table("uplink_edges", metadata, Column("edge_key", String(200), primary_key=True))

# Messages that were not even an uplink: bad JSON, unknown network server, hostile payloads.
dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("topic", String(500), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("error", Text, nullable=False),
    Column("source", String(64), nullable=False, default=""),
)

# Per-device link health, updated by the bridge from every uplink.
device_link = Table(
    "device_link",
    metadata,
    Column("dev_eui", String(16), primary_key=True),
    Column("last_seen", UtcDateTime(), nullable=False),
    Column("last_f_cnt", BigInteger, nullable=True),
    Column("frames", BigInteger, nullable=False, default=0),
    Column("lost", BigInteger, nullable=False, default=0),
    Column("last_rssi", Float, nullable=True),
    Column("last_snr", Float, nullable=True),
    Column("battery_level", Float, nullable=True),
    Column("battery_voltage", Float, nullable=True),
)

# The kind of a device alarm that ingestion records when a meter's index went down without a wrap
# or a recorded replacement (the meter-anomaly alert reads them).
INDEX_ANOMALY = "index_anomaly"

alarms = Table(
    "device_alarms",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("dev_eui", String(16), nullable=False, index=True),
    Column("uplink_id", BigInteger, nullable=True),
    Column("kind", String(40), nullable=False),
    Column("channel", String(20), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("at", UtcDateTime(), nullable=False),
    UniqueConstraint("uplink_id", "kind", "channel"),
)

# Alerts: opened when a rule fires, closed when it stops firing, acknowledged by a person.
alerts = Table(
    "alerts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("tenant_id", ForeignKey("tenants.id"), nullable=False, index=True),
    Column("site_id", ForeignKey("sites.id"), nullable=True),
    Column("dev_eui", String(16), nullable=True),
    Column("kind", String(40), nullable=False),
    # What makes two findings the same alert (kind + device or site): one open alert per key.
    Column("key", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence", JSON, nullable=False, default=dict),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=True),
    Column("acknowledged_at", UtcDateTime(), nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
)
Index("ix_alerts_open", alerts.c.key, alerts.c.ended_at)

# A meter replaced on a device (or a device index reset on purpose): consumption stays continuous.
meter_replacements = Table(
    "meter_replacements",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("dev_eui", String(16), nullable=False, index=True),
    Column("quantity", String(64), nullable=False),
    Column("channel", String(20), nullable=False, default=""),
    Column("at", UtcDateTime(), nullable=False),
    Column("old_final_index", Float, nullable=False),
    Column("new_initial_index", Float, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Prices per tenant (site_id None: its default) or per site, per quantity, from a date.
tariffs = Table(
    "tariffs",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("tenant_id", ForeignKey("tenants.id"), nullable=False, index=True),
    # None: the tenant's default, used by its sites that have no tariff of their own for a quantity.
    Column("site_id", ForeignKey("sites.id"), nullable=True, index=True),
    Column("quantity", String(64), nullable=False),
    Column("currency", String(3), nullable=False, default="EUR"),
    Column("price_per_unit", Float, nullable=False),
    Column("fixed_per_month", Float, nullable=False, default=0.0),
    Column("valid_from", Date, nullable=True),
    # [{"name", "price_per_unit", "channel", "hours": [[start_h, end_h], ...]}]
    Column("periods", JSON, nullable=False, default=list),
    Column("created_at", UtcDateTime(), nullable=False),
)

# A tenant's imported weather-station series (time, temperature).
weather_observations = Table(
    "weather_observations",
    metadata,
    Column("tenant_id", ForeignKey("tenants.id"), primary_key=True),
    Column("station", String(64), primary_key=True),
    Column("ts", UtcDateTime(), primary_key=True),
    Column("temperature", Float, nullable=False),
)
Index("ix_weather_station_time", weather_observations.c.tenant_id, weather_observations.c.station)

# Where a site's outdoor temperature comes from: a station, or an outdoor sensor of the network.
site_weather = Table(
    "site_weather",
    metadata,
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
    Column("station", String(64), nullable=True),
    Column("dev_eui", String(16), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# What a site overrides of the default alert thresholds and comfort targets.
site_thresholds = Table(
    "site_thresholds",
    metadata,
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
    Column("overrides", JSON, nullable=False, default=dict),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Who did what to whose data; entries are only ever added.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    # The key prefix (never the key) or "cli" for a command run on the server.
    Column("actor", String(64), nullable=False),
    # No foreign key: an entry outlives what it is about.
    Column("tenant_id", BigInteger, nullable=False, index=True),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("counts", JSON, nullable=False, default=dict),
    Column("note", String(500), nullable=False, default=""),
    # A change of the registry: {field: [before, after]} (None on entries that are not changes).
    Column("changes", JSON, nullable=True),
)

# Devices heard but not ours (a neighbour's sensor): their uplinks are kept, not decoded, and
# left out of the quarantine's list until the ignore is lifted.
ignored_devices = Table(
    "ignored_devices",
    metadata,
    Column("dev_eui", String(16), primary_key=True),
    Column("ignored_at", UtcDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("note", String(500), nullable=False, default=""),
)

# API requests per tenant and UTC hour (the usage report).
api_usage = Table(
    "api_usage",
    metadata,
    Column("tenant_id", BigInteger, nullable=False),
    Column("hour", UtcDateTime(), nullable=False),
    Column("requests", BigInteger, nullable=False, default=0),
    PrimaryKeyConstraint("tenant_id", "hour"),
)

# Counters announced to the bridges (registry.store_edits): row 1, the edits of the store begun or
# ended; row 2, the changes of devices (provisioned, edited, decommissioned, removed).
store_edits = Table(
    "store_edits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("epoch", BigInteger, nullable=False),
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", UtcDateTime(), nullable=False),
)
