"""``releve grafana --out DIR``: the Grafana boards and provisioning files for this town.

Reads the settings (the store's InfluxDB URL, database and retention policies, the town's time
zone) and writes what ``dashboards.grafana.build_all`` builds: DIR is meant to be Grafana's
provisioning directory (``/etc/grafana/provisioning``). Secrets are not written: Grafana reads
the password (``RELEVE_INFLUX_PASSWORD``) or token (``RELEVE_INFLUX_TOKEN``) from its environment.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from dashboards.grafana import Target, build_all
from kernel.settings import Settings
from store.influx.client import parse_url


class NotInflux(ValueError):
    """The store is not InfluxDB: Grafana's boards read InfluxDB."""


def target_of(settings: Settings, out: Path, influx_url: str | None = None) -> Target:
    """Where the boards read (``influx_url`` when Grafana reaches InfluxDB by another address)."""
    url = settings.effective_store_url
    scheme = urlsplit(url).scheme
    if scheme not in ("influxdb", "influxdbs"):
        raise NotInflux(
            f"the store is {scheme}: the Grafana boards read InfluxDB "
            "(RELEVE_STORE_URL=influxdb://host:8086/database)"
        )
    parsed = parse_url(url)  # the store's own reading of its URL (BadStoreUrl if it is wrong)
    return Target(
        url=influx_url or parsed.base_url,
        database=parsed.database,
        raw_rp=parsed.connection.get("raw_rp", "raw"),
        rollup_rp=parsed.connection.get("rollup_rp", "rollups"),
        timezone=settings.timezone,
        username=parsed.connection.get("username"),
        token=parsed.connection.get("token") is not None,
        boards_dir=str((out / "dashboards" / "releve").resolve()),
    )


def write(settings: Settings, out: Path, influx_url: str | None = None) -> list[Path]:
    return build_all(out, target_of(settings, out, influx_url))
