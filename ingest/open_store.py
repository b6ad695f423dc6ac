"""Open a store from its URL: ``sqlite:///path.db`` (embedded) or ``influxdb://...`` (see docs/store.md)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ingest.errors import BadStoreUrl
from ingest.store import Store


def open_store(url: str, *, raw_retention_days: int | None = None, timezone: str = "Europe/Paris") -> Store:
    """``timezone`` is the town's (RELEVE_TIMEZONE): the days of the daily rollups."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from ingest.sqlite_store import SqliteStore

        path = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else ""
        if not path:
            raise BadStoreUrl(f"expected sqlite:///path/to/file.db, got {url!r}")
        return SqliteStore(Path(path), raw_retention_days=raw_retention_days, timezone=timezone)
    if scheme in ("influxdb", "influxdbs"):
        from ingest.influx_store import InfluxStore

        return InfluxStore.from_url(url, raw_retention_days=raw_retention_days, timezone=timezone)
    raise BadStoreUrl(f"unknown store URL scheme {scheme!r}: use sqlite:/// or influxdb://")
