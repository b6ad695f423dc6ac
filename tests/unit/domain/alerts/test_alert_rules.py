"""The consumption alert rules (abnormal day, meter anomaly, lighting in daylight) and per-site thresholds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.alerts import AlertKind, Thresholds, evaluate
from domain.alerts.rules import (
    IndexAnomaly,
    abnormal_finding,
    is_lighting,
    lighting_finding,
    meter_anomaly_finding,
)
from domain.alerts.sun import sun_times
from domain.alerts.thresholds import ThresholdBook, ThresholdError, check_overrides
from kernel.types import Reading
from registry import Device, Site, open_registry
from tests.fakes import MemoryStore

PARIS = ZoneInfo("Europe/Paris")
TH = Thresholds()
METER = Device("0102030405060701", 1, "Gymnase - électricité", "milesight-iot/em300-di", site_id=1)
LAMP = Device("0102030405060702", 1, "Éclairage place de l'église", "milesight-iot/em300-di", site_id=2)
SQUARE = Site(2, 1, "place", "Place de l'église", latitude=48.8566, longitude=2.3522, use="public_lighting")
DAY = date(2026, 11, 26)  # a Thursday


def weeks(*values: float | None) -> list[tuple[date, float | None]]:
    return [(DAY - timedelta(days=7 * (len(values) - i)), v) for i, v in enumerate(values)]


def test_abnormal_day_against_the_same_weekdays() -> None:
    history = weeks(40.0, 44.0, 38.0, 42.0)  # median 41 kWh
    assert abnormal_finding(METER, "energy_import", "", DAY, 80.0, history, TH) is None  # under 2 x 41
    found = abnormal_finding(METER, "energy_import", "", DAY, 95.0, history, TH)
    assert found is not None and found.kind is AlertKind.ABNORMAL_CONSUMPTION
    assert found.evidence["median"] == 41.0 and found.evidence["ratio"] == pytest.approx(95 / 41, abs=1e-3)
    assert "95 kWh" in found.message and "2.3 times" in found.message and "Thursdays" in found.message
    assert [h["consumption"] for h in found.evidence["history"]] == [40.0, 44.0, 38.0, 42.0]
    tuned = Thresholds(abnormal_factor=3.0)
    assert abnormal_finding(METER, "energy_import", "", DAY, 95.0, history, tuned) is None
    # too little history, a day without data, a usual consumption of zero: no judgement
    assert abnormal_finding(METER, "energy_import", "", DAY, 95.0, weeks(None, None, 40.0, 42.0), TH) is None
    assert abnormal_finding(METER, "energy_import", "", DAY, None, history, TH) is None
    assert abnormal_finding(METER, "energy_import", "", DAY, 5.0, weeks(0.0, 0.0, 0.0, 0.0), TH) is None


def test_meter_anomaly_words_and_evidence() -> None:
    at = datetime(2026, 11, 26, 10, tzinfo=UTC)
    one = IndexAnomaly(
        at, "energy_import", "index went down from 1520 to 3", 42, (at - timedelta(hours=1), 1520.0), 3.0
    )
    found = meter_anomaly_finding(METER, [one])
    assert found is not None and found.kind is AlertKind.METER_ANOMALY
    assert "reset or an unrecorded meter replacement" in found.message
    (seen,) = found.evidence["occurrences"]
    assert seen["previous"]["value"] == 1520.0 and seen["value"] == 3.0 and seen["uplink_id"] == 42
    steps = [IndexAnomaly(at + timedelta(hours=k), "energy_import", "down", None) for k in range(4)]
    backwards = meter_anomaly_finding(METER, steps)
    assert backwards is not None and "run backwards" in backwards.message
    assert backwards.evidence["count"] == 4
    assert meter_anomaly_finding(METER, []) is None


def _hours(day: date, kwh_by_hour: dict[int, float]) -> list[tuple[datetime, float | None]]:
    start = datetime(day.year, day.month, day.day, tzinfo=PARIS)
    return [(start + timedelta(hours=h), kwh_by_hour.get(h, 0.0)) for h in range(24)]


def test_lighting_on_in_daylight() -> None:
    night_only = {h: 1.2 for h in (*range(0, 8), *range(18, 24))}  # sunrise ~8:20, sunset ~17:00
    assert lighting_finding(LAMP, SQUARE, _hours(DAY, night_only), TH) is None
    stuck = {h: 1.2 for h in range(24)}
    found = lighting_finding(LAMP, SQUARE, _hours(DAY, stuck), TH)
    assert found is not None and found.kind is AlertKind.LIGHTING_DAYLIGHT
    times = sun_times(DAY, SQUARE.latitude or 0, SQUARE.longitude or 0)
    assert times.sunrise is not None and times.sunset is not None
    lit = [datetime.fromisoformat(h["hour"]) for h in found.evidence["hours"]]
    # only hours wholly between sunrise + 30 min and sunset - 30 min: 9:00 .. 15:00 in late November
    assert [h.astimezone(PARIS).hour for h in lit] == [9, 10, 11, 12, 13, 14, 15]
    assert all(h >= times.sunrise + timedelta(minutes=30) for h in lit)
    assert all(h + timedelta(hours=1) <= times.sunset - timedelta(minutes=30) for h in lit)
    assert found.evidence["sun"][0]["sunrise"] == times.sunrise.isoformat()
    assert "8.40 kWh during 7 hours" in found.message
    # one stray hour is not an alert; standby draw below the threshold neither
    assert lighting_finding(LAMP, SQUARE, _hours(DAY, {**night_only, 12: 1.0}), TH) is None
    assert lighting_finding(LAMP, SQUARE, _hours(DAY, {h: 0.01 for h in range(24)}), TH) is None
    nowhere = Site(3, 1, "x", "X", use="public_lighting")
    assert lighting_finding(LAMP, nowhere, _hours(DAY, stuck), TH) is None
    assert is_lighting(LAMP, SQUARE) and not is_lighting(METER, Site(1, 1, "gym", "Gym", use="gym"))
    tagged = Device("0102030405060703", 1, "armoire", "m", tags={"usage": "lighting"})
    assert is_lighting(tagged, None)


def test_threshold_overrides_are_checked() -> None:
    assert check_overrides({"leak_nights": 5.0, "co2_max": 1200}) == {"leak_nights": 5, "co2_max": 1200.0}
    for bad in (
        {"leak_nights": 0},
        {"nope": 1},
        {"co2_max": "high"},
        {"humidity_min": 80, "humidity_max": 60},
    ):
        with pytest.raises(ThresholdError):
            check_overrides(bad)


def test_evaluate_uses_each_sites_thresholds(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    town = registry.owner_tenant()
    strict = registry.ensure_site(town.id, "strict")
    lax = registry.ensure_site(town.id, "lax")
    now = datetime(2026, 11, 27, 9, tzinfo=PARIS)
    store = MemoryStore()
    devices = []
    for site, eui in ((strict, "0000000000000a01"), (lax, "0000000000000a02")):
        devices.append(
            Device(eui, town.id, f"compteur {site.slug}", "milesight-iot/em300-di", site_id=site.id)
        )
        readings, index = [], 0.0
        for k in range(29):  # 28 days of 40 kWh, then 60 kWh yesterday
            day = datetime.combine(now.date() - timedelta(days=29 - k), datetime.min.time(), PARIS)
            delta = 60.0 if k == 28 else 40.0
            index += delta
            readings.append(
                Reading(
                    eui, "energy_import", index, "kWh", "cumulative", day + timedelta(hours=12), delta=delta
                )
            )
        store.write(readings)
    registry.add_devices(devices)
    ThresholdBook(registry.engine).update(strict.id, {"abnormal_factor": 1.2})
    abnormal = [
        f
        for f in evaluate(registry, registry.engine, store, now, "Europe/Paris")
        if f.kind is AlertKind.ABNORMAL_CONSUMPTION
    ]
    assert [f.site_id for f in abnormal] == [strict.id]  # 60 > 1.2 x 40 there, not > 2 x 40 elsewhere
    assert abnormal[0].evidence["factor"] == 1.2
    registry.close()


def test_abnormal_history_spans_a_device_change_on_a_metering_point(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    town = registry.owner_tenant()
    site = registry.ensure_site(town.id, "ecole")
    old, new = "0000000000000b01", "0000000000000b02"
    registry.add_devices(
        [
            Device(eui, town.id, f"eau {eui}", "netvox/r718h", site_id=site.id, metering_point="eau")
            for eui in (old, new)
        ]
    )
    now = datetime(2026, 11, 27, 9, tzinfo=PARIS)
    store = MemoryStore()
    index = 0.0
    for k in range(29):  # 2 m3 a day, 7 m3 yesterday; the radio module was replaced 10 days ago
        day = datetime.combine(now.date() - timedelta(days=29 - k), datetime.min.time(), PARIS)
        delta = 7.0 if k == 28 else 2.0
        index += delta
        eui = old if k < 19 else new
        store.write(
            [Reading(eui, "water_volume", index, "m3", "cumulative", day + timedelta(hours=12), delta=delta)]
        )
    findings = evaluate(registry, registry.engine, store, now, "Europe/Paris")
    (abnormal,) = [f for f in findings if f.kind is AlertKind.ABNORMAL_CONSUMPTION]
    assert abnormal.dev_eui == new and abnormal.evidence["devices"] == [new, old]
    assert [h["consumption"] for h in abnormal.evidence["history"]] == [2.0, 2.0, 2.0, 2.0]
    assert abnormal.evidence["metering_point"] == "eau"
    registry.close()


def test_docs_list_every_threshold_with_its_default_and_range() -> None:
    from dataclasses import fields

    from domain.alerts.thresholds import RANGES

    docs = (Path(__file__).parents[4] / "docs" / "climate.md").read_text(encoding="utf-8")
    for f in fields(Thresholds):
        assert f"`{f.name}`" in docs, f.name
        assert f.name in RANGES
