"""bench.city's arithmetic: the pacing schedule, CPU share from /proc samples, the latency frontier."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest

from bench.city_stats import (
    CpuSample,
    Probe,
    Readability,
    cpu_share,
    cpu_shares,
    due,
    lateness,
    quantiles,
    server_share,
    stat_ticks,
)

# /proc/<pid>/stat of a process named "a) b" (a name may hold spaces and parentheses):
# utime 1200, stime 300, cutime 40, cstime 10
STAT = (
    "4242 (a) b) S 1 4242 4242 0 -1 4194304 5000 0 0 0 1200 300 40 10 20 0 3 0 1000 "
    "123456789 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
)


def test_the_schedule_is_fixed_rate_from_the_start() -> None:
    assert [due(100.0, i, 150.0) for i in (0, 1, 150, 9000)] == [100.0, 100.0 + 1 / 150, 101.0, 160.0]


def test_lateness_is_measured_against_the_schedule_not_the_previous_publish() -> None:
    # the second publish was 0.5 s late; the third, on time again, is not late
    sent = [10.0, 10.5 + 0.5, 11.0]
    assert lateness(10.0, 2.0, sent) == [0.0, 0.5, 0.0]
    assert lateness(10.0, 2.0, [9.9]) == [0.0]  # early is not late


def test_stat_ticks_counts_user_system_and_waited_children() -> None:
    assert stat_ticks(STAT) == 1200 + 300 + 40 + 10


def _cpu_ticks(hz: int) -> int:
    """This process's CPU time and its waited children's, as times(2) counts it, in clock ticks."""
    now = os.times()
    return round((now.user + now.system + now.children_user + now.children_system) * hz)


def test_stat_ticks_reads_a_real_proc_file() -> None:
    """This process's own /proc/<pid>/stat against the same counters read by times(2): other
    fields (page faults, priorities, start time) would be far off."""
    spent = time.process_time() + 0.3
    while time.process_time() < spent:  # burn CPU time, so that the counters are far from zero
        pass
    hz = os.sysconf("SC_CLK_TCK")
    before = _cpu_ticks(hz)
    ticks = stat_ticks(Path(f"/proc/{os.getpid()}/stat").read_text())
    after = _cpu_ticks(hz)
    assert ticks >= 0.25 * hz
    assert before - 2 <= ticks <= after + 2


def test_cpu_share_is_ticks_over_wall_time() -> None:
    hz = 100
    a, b = CpuSample(0.0, 1000), CpuSample(60.0, 1300)
    assert cpu_share(a, b, hz) == pytest.approx(3.0 / 60.0)  # 3 s of CPU in a minute: 5 %
    assert math.isnan(cpu_share(a, a, hz))


def test_cpu_shares_per_interval_show_a_warm_up() -> None:
    samples = [CpuSample(0.0, 0), CpuSample(60.0, 1200), CpuSample(120.0, 1500), CpuSample(180.0, 1800)]
    assert cpu_shares(samples, 100) == pytest.approx([0.2, 0.05, 0.05])


def test_the_servers_share_is_unknown_across_a_restart_or_while_down() -> None:
    a, b = CpuSample(0.0, 0, server_ticks=100), CpuSample(10.0, 0, server_ticks=600)
    assert server_share(a, b, 100) == pytest.approx(0.5)
    assert math.isnan(server_share(b, CpuSample(20.0, 0, server_ticks=5), 100))  # a new process
    assert math.isnan(server_share(a, CpuSample(20.0, 0), 100))


def test_quantiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert quantiles(values) == (50.0, 99.0, 100.0)
    assert quantiles([2.0]) == (2.0, 2.0, 2.0)
    assert all(math.isnan(v) for v in quantiles([]))


def test_a_probe_asks_about_the_oldest_pending_published_uplinks() -> None:
    r = Readability(["a", "b", "c", "d"], [10, 11, 12, 13], [2, 2, 2, 2])
    probe = r.probe(published=3, size=2)
    assert probe == Probe(["a", "b"], 10, 11, [0, 1])
    assert r.probe(published=0, size=2) is None


def test_an_uplink_is_readable_when_its_device_count_covers_it() -> None:
    r = Readability(["a", "b", "c"], [10, 11, 12], [2, 3, 1])
    probe = r.probe(published=3, size=10)
    assert probe is not None
    assert r.answer(probe, {"a": 2, "b": 1}) == [0]  # b has one reading of three: not yet
    assert r.oldest == 1 and not r.done(2)
    probe = r.probe(published=3, size=10)
    assert probe == Probe(["b", "c"], 11, 12, [1, 2])
    assert r.answer(probe, {"c": 1}) == [2]  # readable out of order: recorded, the oldest stays
    assert r.oldest == 1
    probe = r.probe(published=3, size=10)
    assert probe is not None
    assert r.answer(probe, {"b": 3}) == [1]
    assert r.done(3) and r.probe(published=3, size=10) is None


def test_a_device_count_covers_its_uplinks_in_publish_order() -> None:
    # device a has two uplinks in the span: a count of 2 covers the first only
    r = Readability(["a", "b", "a"], [10, 11, 12], [2, 1, 2])
    probe = r.probe(published=3, size=10)
    assert probe is not None
    assert r.answer(probe, {"a": 2, "b": 1}) == [0, 1]
    probe = r.probe(published=3, size=10)
    assert probe == Probe(["a"], 12, 12, [2])
    assert r.answer(probe, {"a": 2}) == [2]  # the span is now [12, 12]: its own readings only


def test_readings_of_a_device_before_the_span_do_not_count() -> None:
    r = Readability(["a", "a"], [10, 20], [1, 1])
    first = r.probe(published=1, size=10)
    assert first is not None and r.answer(first, {"a": 1}) == [0]
    second = r.probe(published=2, size=10)
    assert second == Probe(["a"], 20, 20, [1])
    assert r.answer(second, {}) == []


def test_readability_wants_one_device_time_and_count_per_uplink() -> None:
    with pytest.raises(ValueError):
        Readability(["a"], [1, 2], [1])
