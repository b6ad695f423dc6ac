"""bench.city's figures: catch-up after an outage, and the section's verdicts on the targets."""

from __future__ import annotations

import argparse
import math

from bench.city_report import CityRun
from bench.city_stats import CpuSample


def _args(**over: object) -> argparse.Namespace:
    base = {
        "rate": 150.0,
        "minutes": 2.0,
        "devices": 10_000,
        "warm": 300,
        "outage_minutes": 0.0,
        "outage_at": 2.0,
        "outage_mode": "stop",
        "poll": 0.25,
    }
    return argparse.Namespace(**{**base, **over})


def _run(sent: list[float], readable: list[float], **over: object) -> CityRun:
    run = CityRun(args=_args(**over), uplinks=len(sent), readings=4 * len(sent))
    run.sent, run.readable, run.late = sent, readable, [0.0] * len(sent)
    run.samples = [
        CpuSample(0.0, 0, 100.0, 100.0, "start"),
        CpuSample(60.0, 240, 110.0, 120.0, "traffic end"),
    ]
    run.steady, run.hz, run.peak_rss = (run.samples[0], run.samples[1]), 100, 120.0
    return run


def test_a_steady_run_says_whether_it_meets_the_targets() -> None:
    run = _run([0.0, 1.0, 2.0], [0.5, 1.5, 2.5])
    text = run.markdown()
    assert "| bridge CPU, whole window | 4.0% of a core | meets < 5% |" in text
    assert "500 ms / 500 ms / 500 ms | meets p99 < 2 s |" in text
    assert "--write" in run.command() and "--outage" not in run.command()


def test_catch_up_and_live_again_after_an_outage() -> None:
    # down at 10, back at 20; the backlog is readable at 30, the bridge is live from the uplink
    # published at 26 (readable at 27), the one of 25 still took 4 s
    sent = [5.0, 12.0, 18.0, 22.0, 25.0, 26.0, 28.0]
    readable = [5.5, 30.0, 30.0, 30.0, 29.0, 27.0, 28.5]
    run = _run(sent, readable, outage_minutes=1.0, outage_at=1.0)
    run.outage = (10.0, 20.0)
    assert run.catch_up() == 10.0
    assert run.live_again() == 7.0
    text = run.markdown()
    assert "| InfluxDB back until live again (every later delay < 2 s) | 7,000 ms | |" in text
    assert "--outage-minutes 1 --outage-at 1" in run.command()


def test_never_live_again_or_never_readable_is_said_so() -> None:
    run = _run([5.0, 22.0], [30.0, math.nan], outage_minutes=1.0)
    run.outage = (10.0, 20.0)
    assert math.isnan(run.live_again())
    assert run.unseen() == 1
    assert "not before the traffic ended" in run.markdown()
