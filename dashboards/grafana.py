"""Grafana boards for towns that run Grafana on InfluxDB, built by code so they stay consistent.

``releve grafana --out DIR`` (or ``build_all``) writes the dashboard JSON and the provisioning
files (datasource and dashboard provider) that Grafana reads at start-up. Queries use InfluxQL on
releve's measurements: ``rollup_1h`` (hourly consumption and statistics per series, kept for
years) for consumption, ``reading`` (raw values, kept N days) for comfort and device health.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATASOURCE_UID = "releve-influxdb"


def _target(query: str, ref: str = "A", alias: str = "") -> dict[str, Any]:
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
    unit: str,
    grid: tuple[int, int, int, int],
    kind: str,
) -> dict[str, Any]:
    x, y, w, h = grid
    panel: dict[str, Any] = {
        "id": panel_id,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "influxdb", "uid": DATASOURCE_UID},
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "custom": {}}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
    }
    if kind == "bars":
        panel["fieldConfig"]["defaults"]["custom"] = {"drawStyle": "bars", "fillOpacity": 60, "lineWidth": 1}
    return panel


def _consumption(quantity: str, interval: str) -> str:
    # rollup_1h holds hourly sums of the consumption deltas; Grafana folds them into the interval.
    return (
        f'SELECT sum("consumption") FROM "rollup_1h" WHERE "quantity" = \'{quantity}\' '
        f'AND "dev_eui" =~ /^$device$/ AND $timeFilter GROUP BY time({interval}), "dev_eui" fill(none)'
    )


def consumption_dashboard() -> dict[str, Any]:
    """Water and electricity per day and per hour, per meter."""
    panels = [
        _panel(
            1,
            "Eau par jour (m³)",
            [_target(_consumption("water_volume", "1d"), alias="$tag_dev_eui")],
            "m3",
            (0, 0, 12, 9),
            "bars",
        ),
        _panel(
            2,
            "Électricité par jour (kWh)",
            [_target(_consumption("energy_import", "1d"), alias="$tag_dev_eui")],
            "kwatth",
            (12, 0, 12, 9),
            "bars",
        ),
        _panel(
            3,
            "Eau par heure (m³) — la nuit révèle les fuites",
            [_target(_consumption("water_volume", "1h"), alias="$tag_dev_eui")],
            "m3",
            (0, 9, 12, 9),
            "bars",
        ),
        _panel(
            4,
            "Électricité par heure (kWh)",
            [_target(_consumption("energy_import", "1h"), alias="$tag_dev_eui")],
            "kwatth",
            (12, 9, 12, 9),
            "bars",
        ),
    ]
    return _dashboard("releve-consumption", "releve — consommations", panels)


def comfort_dashboard() -> dict[str, Any]:
    """Temperature and CO2 of rooms, battery of devices."""

    def raw(quantity: str) -> str:
        return (
            f'SELECT mean("value") FROM "reading" WHERE "quantity" = \'{quantity}\' '
            f'AND "dev_eui" =~ /^$device$/ AND $timeFilter GROUP BY time($__interval), "dev_eui" fill(none)'
        )

    panels = [
        _panel(
            1,
            "Température (°C)",
            [_target(raw("temperature"), alias="$tag_dev_eui")],
            "celsius",
            (0, 0, 12, 9),
            "lines",
        ),
        _panel(2, "CO₂ (ppm)", [_target(raw("co2"), alias="$tag_dev_eui")], "ppm", (12, 0, 12, 9), "lines"),
        _panel(
            3,
            "Humidité (%)",
            [_target(raw("humidity"), alias="$tag_dev_eui")],
            "percent",
            (0, 9, 12, 9),
            "lines",
        ),
        _panel(
            4,
            "Batterie (%)",
            [_target(raw("battery_level"), alias="$tag_dev_eui")],
            "percent",
            (12, 9, 12, 9),
            "lines",
        ),
    ]
    return _dashboard("releve-comfort", "releve — confort et capteurs", panels)


def _dashboard(uid: str, title: str, panels: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["releve"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "time": {"from": "now-30d", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "device",
                    "label": "Capteur",
                    "type": "query",
                    "datasource": {"type": "influxdb", "uid": DATASOURCE_UID},
                    "query": 'SHOW TAG VALUES FROM "rollup_1h" WITH KEY = "dev_eui"',
                    "multi": True,
                    "includeAll": True,
                    "current": {"text": "All", "value": "$__all"},
                    "refresh": 2,
                }
            ]
        },
        "panels": panels,
    }


def datasource_yaml(url: str = "http://127.0.0.1:8086", database: str = "releve") -> str:
    return (
        "apiVersion: 1\n"
        "datasources:\n"
        "  - name: releve\n"
        f"    uid: {DATASOURCE_UID}\n"
        "    type: influxdb\n"
        "    access: proxy\n"
        f"    url: {url}\n"
        "    jsonData:\n"
        f"      dbName: {database}\n"
        "      httpMode: GET\n"
    )


def provider_yaml(path: str) -> str:
    return (
        "apiVersion: 1\n"
        "providers:\n"
        "  - name: releve\n"
        "    folder: releve\n"
        "    type: file\n"
        "    options:\n"
        f"      path: {path}\n"
    )


def build_all(out: Path, dashboards_path: str = "/var/lib/grafana/dashboards/releve") -> list[Path]:
    """Write the boards and provisioning files under ``out``; returns the paths written."""
    written = []
    (out / "dashboards").mkdir(parents=True, exist_ok=True)
    (out / "provisioning" / "datasources").mkdir(parents=True, exist_ok=True)
    (out / "provisioning" / "dashboards").mkdir(parents=True, exist_ok=True)
    for board in (consumption_dashboard(), comfort_dashboard()):
        path = out / "dashboards" / f"{board['uid']}.json"
        path.write_text(json.dumps(board, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    files = {
        out / "provisioning" / "datasources" / "releve.yaml": datasource_yaml(),
        out / "provisioning" / "dashboards" / "releve.yaml": provider_yaml(dashboards_path),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
