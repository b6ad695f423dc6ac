"""The simulated meters: deterministic, resumable, realistic in shape."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import orjson

from decoders import Quantity, decode
from simulator.engine import DeviceSim, simulators
from simulator.fleet import LeakEvent, load_fleet
from simulator.models import encode_report
from simulator.player import reports, truth_lines
from simulator.profiles import occupancy, outdoor_temperature

PARIS = ZoneInfo("Europe/Paris")


def _sim(eui: str) -> DeviceSim:
    return next(s for s in simulators(load_fleet()) if s.device.dev_eui == eui)


def test_index_is_a_pure_function_of_time() -> None:
    t = datetime(2026, 2, 10, 14, 7, tzinfo=PARIS)
    a, b = _sim("a81758fffe0b0001"), _sim("a81758fffe0b0001")
    b.index_at(t + timedelta(days=3))  # walk further first: must rewind to the same value
    assert a.index_at(t) == b.index_at(t)


def test_index_never_decreases_and_pulses_wrap() -> None:
    sim = _sim("a81758fffe0c0001")  # the gym: 0.1 L per pulse, 16-bit register = 6.5536 m3
    start = datetime(2026, 1, 1, tzinfo=PARIS)
    prev = -1.0
    for ts in sim.report_times(start, start + timedelta(days=60)):
        snap = sim.snapshot(ts)
        assert snap.index is not None and snap.index >= prev
        prev = snap.index
        assert snap.pulses is not None and 0 <= snap.pulses < 65536
    # the gym's showers use more than 6.5536 m3 in 60 days: its 16-bit pulse register wrapped
    assert prev > 6.5536


def test_school_is_empty_on_sunday_and_in_holidays() -> None:
    assert occupancy("school", datetime(2026, 3, 1, 10, tzinfo=PARIS)) == 0  # Sunday
    assert occupancy("school", datetime(2026, 3, 3, 10, tzinfo=PARIS)) == 1  # Tuesday
    assert occupancy("school", datetime(2026, 7, 15, 10, tzinfo=PARIS)) == 0  # summer


def test_winter_is_colder_than_summer() -> None:
    assert outdoor_temperature(datetime(2026, 1, 15, 12, tzinfo=PARIS)) < outdoor_temperature(
        datetime(2026, 7, 15, 12, tzinfo=PARIS)
    )


def test_reports_follow_the_interval_with_a_phase() -> None:
    sim = _sim("a81758fffe0b0001")
    start = datetime(2026, 3, 1, tzinfo=PARIS)
    times = list(sim.report_times(start, start + timedelta(hours=2)))
    assert len(times) == 8
    assert all(b - a == timedelta(minutes=15) for a, b in pairwise(times))
    assert sim.f_cnt(times[1]) == sim.f_cnt(times[0]) + 1


def test_reports_interleave_every_device_in_time_order() -> None:
    from simulator.player import reports

    fleet = load_fleet()
    start = datetime(2026, 3, 1, tzinfo=PARIS)
    got = list(reports(fleet, start, start + timedelta(hours=1)))
    assert {r.sim.device.dev_eui for r in got} == {d.dev_eui for _, d in fleet.devices()}
    assert [r.ts for r in got] == sorted(r.ts for r in got)
    assert len(got) == 4 * len(fleet.devices())


def test_a_leak_adds_its_flow_day_and_night() -> None:
    fleet = load_fleet()
    (leak,) = fleet.events
    assert isinstance(leak, LeakEvent)
    sim = _sim(leak.dev_eui)
    night = datetime(2026, 11, 12, 2, tzinfo=PARIS)  # the library is closed at 2 a.m.
    before = datetime(2026, 11, 5, 2, tzinfo=PARIS)
    hourly = sim.index_at(night + timedelta(hours=1)) - sim.index_at(night)
    dry = sim.index_at(before + timedelta(hours=1)) - sim.index_at(before)
    assert hourly - dry > 0.9 * leak.flow_m3h


def test_every_envelope_format_parses_back_to_the_same_uplink() -> None:
    from gateway_bridge.envelopes import parse
    from kernel.types import Uplink
    from simulator.player import LNS_FORMATS, reports

    fleet = load_fleet()
    start = datetime(2026, 3, 2, tzinfo=PARIS)
    seen: dict[str, list[tuple[str, int, int | None, bytes]]] = {}
    for lns in LNS_FORMATS:
        for report in reports(fleet, start, start + timedelta(hours=1), lns=lns):
            up = parse(report.topic, report.body)
            assert isinstance(up, Uplink), lns
            assert up.received_at == report.ts and up.receptions
            seen.setdefault(lns, []).append((up.dev_eui, up.f_port, up.f_cnt, up.payload))
    first = seen["chirpstack_v4"]
    assert all(v == first for v in seen.values())


def test_the_town_halls_watteco_meters_send_batch_reports_of_their_last_indexes() -> None:
    """Every quarter of an hour, the Flash'O and the Pulse Sens'O send the pulse registers of 10
    and 5 minutes ago and of now in one batch report; decoded, each index has its own time."""
    fleet = load_fleet()
    start = datetime(2026, 3, 2, 8, tzinfo=PARIS)  # a Monday morning: the town hall consumes
    found: dict[str, list[float]] = {}
    for report in reports(fleet, start, start + timedelta(hours=1)):
        device = report.sim.device
        if not device.model.startswith("watteco/"):
            continue
        port, payload = encode_report(device.model, report.snapshot)
        assert port == 125 and not payload[0] & 0x01  # bit 0 clear: a batch report
        frame = decode(device.model, port, payload)
        counts = sorted(
            ((r.offset_s or 0), r.value) for r in frame.readings if r.quantity is Quantity.PULSE_COUNT
        )
        assert [offset for offset, _ in counts] == [-600, -300, 0]
        truth = [orjson.loads(line) for line in truth_lines(report)]
        assert [t["ts"] for t in truth] == [(report.ts + timedelta(seconds=o)).isoformat() for o, _ in counts]
        weight = device.pulse_weight or 1.0
        assert [round(t["shown"] / weight) for t in truth] == [value for _, value in counts]
        assert counts[0][1] <= counts[1][1] <= counts[2][1]
        assert frame.battery_voltage is not None
        found.setdefault(device.model, []).append(counts[-1][1] - counts[0][1])
    assert sorted(found) == ["watteco/flasho", "watteco/pulse-senso"]
    assert sum(found["watteco/flasho"]) > 0  # the offices draw power on a Monday morning
