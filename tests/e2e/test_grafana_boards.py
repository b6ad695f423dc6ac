"""Every panel of the Grafana boards, run as Grafana runs it, shows what the API shows.

Three weeks of the month-long test town (water, electricity, gas and heat meters, comfort
sensors) go through the ingest path into a real InfluxDB, as the bridge writes it (rollups held
in memory, then flushed): the week of last year's change to summer time, the week of the change
back, and the last seven days up to now. Each panel's InfluxQL, with Grafana's macros and
variables substituted (tests/grafana_macros.py) over the board's own time range (or the
panel's), is run against that InfluxDB as if looked at on the last day of each week; each
meter's points and totals must equal the API's for the same range and window (consumption), or
what the API's readings give (comfort: means per interval, each local day's minimum, mean and
maximum). The boards are written with the town's registry, as ``releve grafana`` writes them:
every series a panel shows is named by its meter's name (its alias, the DevEUI, and the field
override Grafana matches it with).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from dashboards.grafana import (
    CONSUMPTION,
    Meter,
    Target,
    comfort_dashboard,
    consumption_dashboard,
    display_names,
)
from gateway_bridge.envelopes import parse
from ingest.pipeline import Ingestor
from kernel.settings import Settings
from kernel.types import Uplink
from registry import Role
from releve.grafana_setup import meter_of
from releve.runtime import provision_fleet
from releve.services import close_state, open_state
from simulator.fleet import load_fleet
from simulator.player import reports
from tests.grafana_macros import alias, display_name, interpolate, interval, relative
from tests.influx_server import influxd

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

FLEET = Path(__file__).parent / "fleets" / "month.toml"
TZ = "Europe/Paris"
PANEL_POINTS = 800  # a half-width panel on a 1,600-pixel screen: Grafana's max data points
WINDOWS = {"1h": "hour", "1d": "day", "1w, -3d": "week"}


@dataclass
class Town:
    influx: httpx.Client
    api: TestClient
    nows: list[datetime]  # the end of each week played: the boards are looked at then
    meters: list[Meter]  # as ``releve grafana`` names them from the registry


def last_sunday(year: int, month: int) -> datetime:
    """Noon on the last Sunday of a month, in the town's zone (the EU's day of a change of time)."""
    day = datetime(year + month // 12, month % 12 + 1, 1, 12, tzinfo=ZoneInfo(TZ)) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def weeks(now: datetime) -> list[tuple[datetime, datetime]]:
    """Last year's weeks around each change of time (Wednesday to Wednesday noon), then the last
    seven whole days and today."""
    spring, autumn = last_sunday(now.year - 1, 3), last_sunday(now.year - 1, 10)
    around = [
        (change - timedelta(days=4, hours=12), change + timedelta(days=3)) for change in (spring, autumn)
    ]
    return [*around, (relative("now-7d/d", now, TZ), now)]


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    with influxd() as url:
        port = int(url.rsplit(":", 1)[1])
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("grafana"),
            store_url=f"influxdb://127.0.0.1:{port}/releve",
            timezone=TZ,
            raw_retention_days=800,  # last year's March is kept
        )
        state = open_state(settings)
        try:
            played = weeks(datetime.now(UTC))
            fleet = load_fleet(FLEET)
            # A start in the town's zone (ZoneInfo), as the weeks are: the simulator steps its wall
            # clock, so at the spring change some meters report twice at one instant (36 reports),
            # and at the autumn change they skip the repeated hour; the boards and the API must
            # agree on such data too.
            began = min(fleet.start, played[0][0] - timedelta(days=1))
            assert isinstance(began.tzinfo, ZoneInfo)
            fleet = fleet.model_copy(update={"start": began})
            provision_fleet(state.registry, fleet)
            ingestor = Ingestor(state.registry, state.archive, state.store)
            ingestor.hold()  # as the bridge writes into InfluxDB: rollups held (30 s), then flushed
            for first, last in played:
                batch: list[tuple[Uplink, str]] = []
                for report in reports(fleet, first.astimezone(UTC), last.astimezone(UTC)):
                    event = parse(report.topic, report.body)
                    assert isinstance(event, Uplink)
                    batch.append((event, "simulator"))
                    if len(batch) == 500:
                        ingestor.process(ingestor.accept(batch))
                        batch = []
                ingestor.process(ingestor.accept(batch))
                ingestor.flush()
            _, key = state.registry.create_key(state.registry.owner_tenant().id, Role.VIEWER, "grafana")
            with (
                httpx.Client(base_url=url, timeout=30) as influx,
                TestClient(create_app(settings, state), headers={"Authorization": f"Bearer {key}"}) as api,
            ):
                meters = [meter_of(d) for d in state.registry.list_devices(limit=10_000)]
                yield Town(influx, api, [last for _, last in played], meters)
        finally:
            close_state(state)


def run(town: Town, statement: str) -> list[dict[str, Any]]:
    """The series InfluxDB answers, as Grafana asks (epoch ms)."""
    answer = town.influx.get("/query", params={"db": "releve", "q": statement, "epoch": "ms"}).json()
    (result,) = answer["results"]
    assert "error" not in result, (statement, result)
    series: list[dict[str, Any]] = result.get("series", [])
    return series


def tag_values(town: Town, statement: str) -> list[str]:
    return sorted(v for s in run(town, statement) for _, v in s["values"])


def panel_range(board: dict[str, Any], panel: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    start = relative(panel.get("timeFrom") or board["time"]["from"], now, board["timezone"])
    return start, relative(board["time"]["to"], now, board["timezone"])


def api_consumption(
    town: Town, eui: str, quantity: str, window: str, start: datetime, end: datetime
) -> dict[str, Any]:
    params = {"quantity": quantity, "window": window, "start": start.isoformat(), "end": end.isoformat()}
    response = town.api.get(f"/api/v1/devices/{eui}/consumption", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


WEEKS = pytest.mark.parametrize("week", [0, 1, 2], ids=["summer-time", "winter-time", "last-days"])


@WEEKS
@pytest.mark.parametrize("selection", ["all", "two"])
def test_every_consumption_panel_shows_the_api_figures(town: Town, week: int, selection: str) -> None:
    now = town.nows[week]
    board = consumption_dashboard(Target(), town.meters)
    names = display_names(town.meters, [q for q, _ in CONSUMPTION])
    device_query = next(v for v in board["templating"]["list"] if v["name"] == "device")["query"]
    shown: dict[str, int] = defaultdict(int)  # points per panel, over the quantities
    for quantity, _ in CONSUMPTION:
        devices = tag_values(town, interpolate(device_query, {"quantity": quantity}, now, now))
        chosen: str | list[str] = ".*" if selection == "all" else devices[:2]
        picked = devices if selection == "all" else devices[:2]
        for panel in board["panels"]:
            start, end = panel_range(board, panel, now)
            (target,) = panel["targets"]
            statement = interpolate(target["query"], {"quantity": quantity, "device": chosen}, start, end)
            series = run(town, statement)
            query = target["query"]
            group = query.split("GROUP BY time(")[1].split(")")[0] if "GROUP BY time(" in query else None
            window = "month" if '"rollup_1mo"' in query else WINDOWS.get(group or "1d", "day")
            expected = {eui: api_consumption(town, eui, quantity, window, start, end) for eui in picked}
            measured = {
                eui: e
                for eui, e in expected.items()
                if any(p["consumption"] is not None for p in e["points"])
            }
            if group is None and "GROUP BY" not in query:  # the period's total of the chosen meters
                total = sum(e["total"] for e in measured.values())
                assert (series == [] and total == 0) or close(series[0]["values"][0][1], total), (
                    panel["title"],
                    quantity,
                )
                shown[panel["title"]] += len(series)
                continue
            got = {s["tags"]["dev_eui"]: s["values"] for s in series}
            for s in series:  # each meter by its name in the registry
                assert display_name(panel, alias(target["alias"], s, "sum")) == names[s["tags"]["dev_eui"]]
            assert set(got) == set(measured), (panel["title"], quantity, set(got), set(measured))
            for eui, values in got.items():
                api_points = [
                    (ms(p["start"]), p["consumption"])
                    for p in measured[eui]["points"]
                    if p["consumption"] is not None
                ]
                if group is None:  # per meter over the period
                    assert close(values[0][1], measured[eui]["total"]), (panel["title"], eui)
                    continue
                assert [t for t, _ in values] == [t for t, _ in api_points], (panel["title"], quantity, eui)
                for (t, v), (_, a) in zip(values, api_points, strict=True):
                    assert close(v, a), (
                        panel["title"],
                        quantity,
                        eui,
                        datetime.fromtimestamp(t / 1000, UTC),
                        v,
                        a,
                    )
                assert close(sum(v for _, v in values), measured[eui]["total"]), (panel["title"], eui)
            shown[panel["title"]] += sum(len(v) for v in got.values())
    # Every panel had something to show: the town meters water, electricity, gas and heat.
    assert len(shown) == len(board["panels"]) and all(shown.values()), shown


def readings(
    town: Town, eui: str, quantity: str, start: datetime, end: datetime
) -> list[tuple[datetime, float]]:
    found: list[tuple[datetime, float]] = []
    while True:
        params: dict[str, str | int] = {
            "quantity": quantity,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "offset": len(found),
            "limit": 1000,
        }
        page = town.api.get(f"/api/v1/devices/{eui}/readings", params=params).json()["items"]
        found += [(datetime.fromisoformat(r["ts"]), r["value"]) for r in page]
        if len(page) < 1000:
            return found


@WEEKS
def test_every_comfort_panel_shows_the_api_readings(town: Town, week: int) -> None:
    now = town.nows[week]
    board = comfort_dashboard(Target(), town.meters)
    (device,) = board["templating"]["list"]
    devices = tag_values(town, interpolate(device["query"], {}, now, now))
    assert len(devices) >= 3
    zone = ZoneInfo(TZ)
    shown = 0
    for panel in board["panels"]:
        start, end = panel_range(board, panel, now)
        (target,) = panel["targets"]
        step = interval(start, end, PANEL_POINTS)
        statement = interpolate(target["query"], {"device": ".*"}, start, end, step)
        quantity = statement.split('"quantity" = \'')[1].split("'")[0]
        series = run(town, statement)
        got = {s["tags"]["dev_eui"]: s for s in series}
        names = display_names(town.meters, [quantity])
        for s in series:  # each series by its meter's name in the registry, then its column
            for column in s["columns"][1:]:
                suffix = "" if column == "mean" else f" {column}"
                shown_as = display_name(panel, alias(target["alias"], s, column))
                assert shown_as == names[s["tags"]["dev_eui"]] + suffix, (panel["title"], shown_as)
        expected: dict[str, dict[int, tuple[float, float, float]]] = {}
        for eui in devices:
            values = readings(town, eui, quantity, start, end)
            buckets: dict[int, list[float]] = defaultdict(list)
            for ts, value in values:
                if "GROUP BY time(1d)" in statement:
                    local = ts.astimezone(zone)
                    key = datetime.combine(local.date(), datetime.min.time(), zone)
                else:  # $__interval: hours or less, the same instants in every zone of whole-hour offsets
                    size = (
                        timedelta(hours=int(step[:-1]))
                        if step.endswith("h")
                        else timedelta(minutes=int(step[:-1]))
                    )
                    key = datetime.fromtimestamp(
                        ts.timestamp() // size.total_seconds() * size.total_seconds(), UTC
                    )
                buckets[int(key.timestamp() * 1000)].append(value)
            if buckets:
                expected[eui] = {t: (min(v), sum(v) / len(v), max(v)) for t, v in sorted(buckets.items())}
        assert set(got) == set(expected), (panel["title"], set(got), set(expected))
        for eui, s in got.items():
            assert [row[0] for row in s["values"]] == list(expected[eui]), (panel["title"], eui)
            for row in s["values"]:
                low, mean, high = expected[eui][row[0]]
                if s["columns"] == ["time", "min", "moyenne", "max"]:
                    assert close(row[1], low) and close(row[2], mean) and close(row[3], high), (
                        panel["title"],
                        eui,
                        row,
                    )
                else:
                    assert s["columns"] == ["time", "mean"] and close(row[1], mean), (
                        panel["title"],
                        eui,
                        row,
                    )
            shown += len(s["values"])
    assert shown > 0
