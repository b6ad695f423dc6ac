"""``releve grafana --out DIR``: the Grafana boards and provisioning files for this town.

Reads the settings (the store's InfluxDB URL, database and retention policies, the town's time
zone) and writes what ``dashboards.grafana.build_all`` builds: DIR is meant to be Grafana's
provisioning directory (``/etc/grafana/provisioning``). Secrets are not written: Grafana reads
the password (``RELEVE_INFLUX_PASSWORD``) or token (``RELEVE_INFLUX_TOKEN``) from its environment.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from dashboards.grafana import Target, build_all
from kernel.settings import Settings


class NotInflux(ValueError):
    """The store is not InfluxDB: Grafana's boards read InfluxDB."""


def target_of(settings: Settings, out: Path, influx_url: str | None = None) -> Target:
    """Where the boards read (``influx_url`` when Grafana reaches InfluxDB by another address)."""
    parts = urlsplit(settings.effective_store_url)
    if parts.scheme not in ("influxdb", "influxdbs"):
        raise NotInflux(
            f"the store is {parts.scheme}: the Grafana boards read InfluxDB "
            "(RELEVE_STORE_URL=influxdb://host:8086/database)"
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    scheme = "https" if parts.scheme == "influxdbs" else "http"
    return Target(
        url=influx_url or f"{scheme}://{host}:{parts.port or 8086}",
        database=parts.path.strip("/"),
        raw_rp=query.get("rp", "raw"),
        rollup_rp=query.get("rollup_rp", "rollups"),
        timezone=settings.timezone,
        username=unquote(parts.username) if parts.username else None,
        token="token" in query,
        boards_dir=str((out / "dashboards" / "releve").resolve()),
    )


def write(settings: Settings, out: Path, influx_url: str | None = None) -> list[Path]:
    return build_all(out, target_of(settings, out, influx_url))
