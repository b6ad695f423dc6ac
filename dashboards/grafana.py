"""Grafana boards for towns that run Grafana on releve's InfluxDB, built by code so that they
follow the store's schema (ingest/influx_store.py).

Where they read: consumption from the rollups policy, never the raw readings: ``rollup_1h``
(hours), ``rollup_1d`` (points at the local midnight of each day of the town's time zone),
``rollup_1mo`` (points at the local first of each month); comfort and batteries from the raw
policy's ``reading``. Both policies are named in every statement: InfluxDB resolves a bare
measurement in the database's default policy (``raw``), where no rollup is.

How they group, in the town's time zone (``tz()``): hours by ``time(1h)``; days by ``time(1d)``
on the daily rollups; weeks, Monday to Sunday, by ``time(1w, -3d)`` on the daily rollups (weeks
from the epoch's Thursday moved back three days: InfluxDB 1.x reads the zone's offset at the
point's time minus the offset, so ``4d`` put the Monday after a change of time into the week
before it; ``-3d`` reads it three days later, where no change of time falls for a Monday);
months by ``time(1d)`` on the monthly rollups (each month's point alone in its day's bucket:
InfluxQL has no calendar months). tests/e2e/test_grafana_boards.py runs every panel against a
real InfluxDB and the API.

Meters by name: InfluxDB knows a meter by its DevEUI only (the series' tag, what the boards'
queries and their device variable read), its name is in releve's registry. ``releve grafana
--out DIR`` (releve/grafana_setup.py) writes the boards with a town's settings and each meter's
name as the display name of its series (a field override per series a panel can show: the
aliases, ``$tag_dev_eui`` and ``$tag_dev_eui $col``, are DevEUIs); Grafana's file provider reads
the boards again when the command runs again after meters are added or renamed. A meter the
boards were not written with shows by its DevEUI; the device variable lists DevEUIs (InfluxDB's
tag values: every meter with data, never a stale list). dashboards/grafana/provisioning holds
the files built with the defaults and no names (``build_all``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATASOURCE_UID = "releve-influxdb"
BOARD_UIDS = ("releve-consumption", "releve-comfort")

# The metering quantities (decoders.METERING_QUANTITIES; a unit test keeps them equal): the
# choices of the consumption board's quantity variable, with their names and units.
CONSUMPTION = (
    ("water_volume", "Eau froide (m³)"),
    ("hot_water_volume", "Eau chaude (m³)"),
    ("energy_import", "Électricité consommée (kWh)"),
    ("energy_export", "Électricité produite (kWh)"),
    ("gas_volume", "Gaz (m³)"),
    ("heat_energy", "Chaleur (kWh)"),
    ("reactive_energy_import", "Énergie réactive consommée (kvarh)"),
    ("reactive_energy_export", "Énergie réactive fournie (kvarh)"),
    ("pulse_count", "Impulsions (sans poids)"),
)
COMFORT = (
    ("temperature", "Température", "celsius"),
    ("co2", "CO₂", "ppm"),
    ("humidity", "Humidité", "humidity"),
)


@dataclass(frozen=True, slots=True)
class Target:
    """Where Grafana finds releve's InfluxDB, and how releve stores into it."""

    url: str = "http://127.0.0.1:8086"
    database: str = "releve"
    raw_rp: str = "raw"
    rollup_rp: str = "rollups"
    timezone: str = "Europe/Paris"
    username: str | None = None
    token: bool = False  # InfluxDB 2.x/3.x through their v1 API: a token instead of a password
    # where the provider reads the boards: Grafana's provisioning directory, as --out writes it
    boards_dir: str = "/etc/grafana/provisioning/dashboards/releve"


DEFAULT = Target()  # what dashboards/grafana/provisioning is built with


@dataclass(frozen=True, slots=True)
class Meter:
    """A device as the boards name it: its DevEUI (the series' tag), its name, and the quantities
    it reads (the panels it can appear in; ``None``: not known, named in every panel)."""

    dev_eui: str
    name: str
    quantities: frozenset[str] | None = None


def display_names(meters: Iterable[Meter], quantities: Iterable[str]) -> dict[str, str]:
    """The name of each meter that reads one of ``quantities``, by DevEUI; a name that several of
    them share is followed by each one's DevEUI."""
    wanted = set(quantities)
    chosen = [m for m in meters if m.quantities is None or m.quantities & wanted]
    seen: dict[str, int] = {}
    for m in chosen:
        seen[m.name] = seen.get(m.name, 0) + 1
    return {m.dev_eui: m.name if seen[m.name] == 1 else f"{m.name} ({m.dev_eui})" for m in chosen}


def _named(
    panel: dict[str, Any], names: Mapping[str, str], suffixes: tuple[str, ...] = ("",)
) -> dict[str, Any]:
    """``panel`` showing each series by its meter's name instead of the DevEUI of its alias
    (``suffixes``: what the alias adds after the DevEUI, one series each)."""
    panel["fieldConfig"]["overrides"] = [
        {
            "matcher": {"id": "byName", "options": eui + suffix},
            "properties": [{"id": "displayName", "value": name + suffix}],
        }
        for eui, name in sorted(names.items())
        for suffix in suffixes
    ]
    return panel


def _q(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _target(query: str, alias: str = "$tag_dev_eui", ref: str = "A") -> dict[str, Any]:
    return {
        "datasource": {"type": "influxdb", "uid": DATASOURCE_UID},
        "query": query,
        "rawQuery": True,
        "refId": ref,
        "resultFormat": "time_series",
        "alias": alias,
    }


def _panel(
    panel_id: int,
    title: str,
    targets: list[dict[str, Any]],
    grid: tuple[int, int, int, int],
    *,
    kind: str = "bars",
    unit: str = "",
    time_from: str | None = None,
    description: str = "",
) -> dict[str, Any]:
    x, y, w, h = grid
    custom: dict[str, Any] = {}
    if kind == "bars":
        custom = {"drawStyle": "bars", "fillOpacity": 60, "lineWidth": 1, "barAlignment": -1}
    panel: dict[str, Any] = {
        "id": panel_id,
        "type": "timeseries" if kind in ("bars", "lines") else kind,
        "title": title,
        "description": description,
        "datasource": {"type": "influxdb", "uid": DATASOURCE_UID},
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "decimals": 3, "custom": custom}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
    }
    if kind in ("stat", "bargauge"):
        panel["fieldConfig"]["defaults"] = {"unit": unit, "decimals": 3}
        panel["options"] = {"reduceOptions": {"calcs": ["sum"], "fields": "", "values": False}}
    if time_from:
        # The panel's own range (Grafana's relative time): whole weeks or months to date.
        panel["timeFrom"] = time_from
    return panel


def _dashboard(
    uid: str, title: str, target: Target, variables: list[dict[str, Any]], panels: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["releve"],
        # The town's days: "today", "now/d" and the axes in its time zone, whatever the browser's.
        "timezone": target.timezone,
        "weekStart": "monday",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "15m",
        "time": {"from": "now-30d/d", "to": "now"},
        "templating": {"list": variables},
        "panels": panels,
    }


def _device_variable(query: str) -> dict[str, Any]:
    return {
        "name": "device",
        "label": "Compteur (DevEUI)",
        "type": "query",
        "datasource": {"type": "influxdb", "uid": DATASOURCE_UID},
        "query": query,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"text": "All", "value": "$__all"},
        "refresh": 2,
        "sort": 1,
    }


def consumption_dashboard(target: Target = DEFAULT, meters: Iterable[Meter] = ()) -> dict[str, Any]:
    """A quantity's consumption (a variable: every metering quantity) per meter: the period's
    total, per hour, day, week and month, in the town's time zone; ``meters`` named."""
    rollups, tz = _q(target.rollup_rp), target.timezone
    names = display_names(meters, (q for q, _ in CONSUMPTION))
    where = '"quantity" = \'$quantity\' AND "dev_eui" =~ /^$device$/ AND $timeFilter'

    def series(measurement: str, group: str) -> str:
        return (
            f'SELECT sum("consumption") FROM {rollups}.{_q(measurement)} WHERE {where} '
            f"GROUP BY time({group}), \"dev_eui\" fill(none) tz('{tz}')"
        )

    quantity = {
        "name": "quantity",
        "label": "Grandeur",
        "type": "custom",
        "query": ", ".join(f"{text} : {value}" for value, text in CONSUMPTION),
        "options": [
            {"text": text, "value": value, "selected": value == "water_volume"} for value, text in CONSUMPTION
        ],
        "current": {"text": CONSUMPTION[0][1], "value": CONSUMPTION[0][0]},
        "multi": False,
        "includeAll": False,
    }
    device = _device_variable(
        f'SHOW TAG VALUES FROM {rollups}."rollup_1d" WITH KEY = "dev_eui" WHERE "quantity" = \'$quantity\''
    )
    what = "${quantity:text}"
    per_meter = [
        _panel(
            2,
            f"{what} — par compteur sur la période",
            [
                _target(
                    f'SELECT sum("consumption") FROM {rollups}."rollup_1d" WHERE {where} GROUP BY "dev_eui"'
                )
            ],
            (8, 0, 16, 6),
            kind="bargauge",
        ),
        _panel(
            3,
            f"{what} — par heure (la nuit révèle les fuites)",
            [_target(series("rollup_1h", "1h"))],
            (0, 6, 24, 8),
            time_from="now-2d/d",
        ),
        _panel(4, f"{what} — par jour", [_target(series("rollup_1d", "1d"))], (0, 14, 24, 8)),
        _panel(
            5,
            f"{what} — par semaine (lundi-dimanche)",
            [_target(series("rollup_1d", "1w, -3d"))],
            (0, 22, 12, 8),
            time_from="now-12w/w",
        ),
        _panel(
            6,
            f"{what} — par mois",
            [_target(series("rollup_1mo", "1d"))],
            (12, 22, 12, 8),
            time_from="now-11M/M",
            description="Les mois du fuseau de la commune, lus dans les cumuls mensuels de releve.",
        ),
    ]
    panels = [
        _panel(
            1,
            f"{what} — total de la période, compteurs choisis",
            [_target(f'SELECT sum("consumption") FROM {rollups}."rollup_1d" WHERE {where}', alias="total")],
            (0, 0, 8, 6),
            kind="stat",
            description="Somme des jours (du fuseau de la commune) de la période choisie.",
        ),
        *(_named(panel, names) for panel in per_meter),
    ]
    return _dashboard("releve-consumption", "releve — consommations", target, [quantity, device], panels)


def comfort_dashboard(target: Target = DEFAULT, meters: Iterable[Meter] = ()) -> dict[str, Any]:
    """Rooms' temperature, CO₂ and humidity (readings, and each day's minimum, mean and maximum),
    and the devices' batteries; ``meters`` named."""
    meters = list(meters)
    raw, rollups, tz = _q(target.raw_rp), _q(target.rollup_rp), target.timezone
    comfort = "|".join(q for q, _, _ in COMFORT)
    device = _device_variable(
        f'SHOW TAG VALUES FROM {raw}."reading" WITH KEY = "dev_eui" WHERE "quantity" =~ /^({comfort})$/'
    )

    def readings(quantity: str) -> str:
        return (
            f'SELECT mean("value") FROM {raw}."reading" WHERE "quantity" = \'{quantity}\' '
            f'AND "dev_eui" =~ /^$device$/ AND $timeFilter '
            f"GROUP BY time($__interval), \"dev_eui\" fill(none) tz('{tz}')"
        )

    def days(quantity: str) -> str:
        return (
            f'SELECT min("min") AS "min", sum("sum") / sum("count") AS "moyenne", max("max") AS "max" '
            f'FROM {rollups}."rollup_1d" WHERE "quantity" = \'{quantity}\' AND "dev_eui" =~ /^$device$/ '
            f"AND $timeFilter GROUP BY time(1d), \"dev_eui\" fill(none) tz('{tz}')"
        )

    panels = []
    for i, (quantity, text, unit) in enumerate(COMFORT):
        y = 9 * i
        names = display_names(meters, [quantity])
        panels.append(
            _named(
                _panel(
                    1 + 2 * i,
                    f"{text} — relevés",
                    [_target(readings(quantity))],
                    (0, y, 12, 9),
                    kind="lines",
                    unit=unit,
                ),
                names,
            )
        )
        panels.append(
            _named(
                _panel(
                    2 + 2 * i,
                    f"{text} — par jour (minimum, moyenne, maximum)",
                    [_target(days(quantity), alias="$tag_dev_eui $col")],
                    (12, y, 12, 9),
                    kind="lines",
                    unit=unit,
                ),
                names,
                (" min", " moyenne", " max"),
            )
        )
    batteries = _panel(
        7, "Piles (%)", [_target(readings("battery_level"))], (0, 27, 24, 8), kind="lines", unit="percent"
    )
    panels.append(_named(batteries, display_names(meters, ["battery_level"])))
    return _dashboard("releve-comfort", "releve — confort et piles", target, [device], panels)


def datasource_yaml(target: Target = DEFAULT) -> str:
    """The data source, secrets read from Grafana's environment (never written here)."""
    lines = [
        "apiVersion: 1",
        "datasources:",
        "  - name: releve",
        f"    uid: {DATASOURCE_UID}",
        "    type: influxdb",
        "    access: proxy",
        f"    url: {target.url}",
    ]
    if target.username and not target.token:
        lines.append(f"    user: {json.dumps(target.username)}")
    lines += ["    jsonData:", f"      dbName: {json.dumps(target.database)}", "      httpMode: GET"]
    if target.token:
        lines += ["      httpHeaderName1: Authorization", "    secureJsonData:"]
        lines.append('      httpHeaderValue1: "Token ${RELEVE_INFLUX_TOKEN}"')
    elif target.username:
        lines += ["    secureJsonData:", '      password: "${RELEVE_INFLUX_PASSWORD}"']
    return "\n".join(lines) + "\n"


def provider_yaml(target: Target = DEFAULT) -> str:
    return (
        "apiVersion: 1\n"
        "providers:\n"
        "  - name: releve\n"
        "    folder: releve\n"
        "    type: file\n"
        "    allowUiUpdates: false\n"
        "    options:\n"
        f"      path: {target.boards_dir}\n"
    )


def build_all(out: Path, target: Target = DEFAULT, meters: Iterable[Meter] = ()) -> list[Path]:
    """Write under ``out`` (Grafana's provisioning directory) the data source, the dashboard
    provider and the boards in ``dashboards/releve/``, ``meters`` named; returns the paths
    written."""
    meters = list(meters)
    boards = out / "dashboards" / "releve"
    boards.mkdir(parents=True, exist_ok=True)
    (out / "datasources").mkdir(parents=True, exist_ok=True)
    written = []
    for board in (consumption_dashboard(target, meters), comfort_dashboard(target, meters)):
        path = boards / f"{board['uid']}.json"
        path.write_text(json.dumps(board, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    files = {
        out / "datasources" / "releve.yaml": datasource_yaml(target),
        out / "dashboards" / "releve.yaml": provider_yaml(target),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
