"""Open a store from its URL: ``sqlite:///path.db`` (embedded) or ``influxdb://...`` (see docs/store.md)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from store import Store
from store.errors import BadStoreUrl


def open_store(url: str, *, raw_retention_days: int | None = None, timezone: str = "Europe/Paris") -> Store:
    """``timezone`` is the town's (RELEVE_TIMEZONE): the days of the daily rollups. Both URLs take
    ``?timeout=SECONDS``: how long SQLite waits for a lock (30), or an InfluxDB request (30)."""
    parts = urlsplit(url)
    timeout = _seconds(parse_qs(parts.query).get("timeout", ["30"])[-1], url)
    if parts.scheme == "sqlite":
        from store.sqlite import SqliteStore

        path = url.split("sqlite:///", 1)[1].partition("?")[0] if url.startswith("sqlite:///") else ""
        if not path:
            raise BadStoreUrl(f"expected sqlite:///path/to/file.db, got {url!r}")
        return SqliteStore(
            Path(path), raw_retention_days=raw_retention_days, timezone=timezone, lock_timeout_s=timeout
        )
    if parts.scheme in ("influxdb", "influxdbs"):
        from store.influx.store import InfluxStore

        return InfluxStore.from_url(
            url, raw_retention_days=raw_retention_days, timezone=timezone, timeout=timeout
        )
    raise BadStoreUrl(f"unknown store URL scheme {parts.scheme!r}: use sqlite:/// or influxdb://")


def _seconds(value: str, url: str) -> float:
    try:
        seconds = float(value)
    except ValueError as exc:
        raise BadStoreUrl(f"timeout must be a number of seconds in {url!r}") from exc
    if not 0 < seconds <= 3600:
        raise BadStoreUrl(f"timeout must be between 0 and 3600 seconds in {url!r}")
    return seconds
