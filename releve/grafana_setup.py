"""``releve grafana --out DIR``: the Grafana boards and provisioning files for this town.

Reads the settings (the store's InfluxDB URL, database and retention policies, the town's time
zone) and the registry (each meter's name, shown instead of its DevEUI), and writes what
``dashboards.grafana.build_all`` builds: DIR is meant to be Grafana's provisioning directory
(``/etc/grafana/provisioning``). Secrets are not written: Grafana reads the password
(``RELEVE_INFLUX_PASSWORD``) or token (``RELEVE_INFLUX_TOKEN``) from its environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dashboards.grafana import Meter, Target, build_all
from decoders import MODELS
from kernel.settings import Settings
from registry import Device, open_registry
from store.influx.client import parse_url


class NotInflux(ValueError):
    """The store is not InfluxDB: Grafana's boards read InfluxDB."""


@dataclass(frozen=True, slots=True)
class Written:
    paths: list[Path]
    named: int | None  # meters named in the boards; None: no registry to read their names from


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


def meter_of(device: Device) -> Meter:
    """A device with the quantities its model reads (a pulse counter's too), as the boards name it."""
    spec = MODELS.get(device.model)
    if spec is None:  # a model releve does not decode (yet): named in every panel
        return Meter(device.dev_eui, device.name)
    quantities = {q.value for q in spec.quantities}
    if device.pulse_quantity:
        quantities.add(device.pulse_quantity)
    return Meter(device.dev_eui, device.name, frozenset(quantities))


def meters_of(settings: Settings) -> list[Meter] | None:
    """Every device of the registry (all tenants: Grafana reads the whole database); ``None``
    when the registry is an SQLite file that is not there (Grafana's machine without releve's
    data): the boards then show DevEUIs, and no empty registry is created."""
    url = settings.effective_registry_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///").partition("?")[0]).is_file():
        return None
    registry = open_registry(url)
    try:
        return [meter_of(d) for d in registry.list_devices(limit=10_000_000)]
    finally:
        registry.close()


def write(settings: Settings, out: Path, influx_url: str | None = None) -> Written:
    target = target_of(settings, out, influx_url)
    meters = meters_of(settings)
    return Written(build_all(out, target, meters or ()), None if meters is None else len(meters))
