"""Meter semantics, each rule with hand-computed expectations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.meter import Point, delta_step, index_step

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def p(minutes: int, value: float) -> Point:
    return Point(T0 + timedelta(minutes=minutes), value)


def test_first_reading_has_no_consumption() -> None:
    assert index_step(None, p(0, 12.5)).delta is None


def test_consumption_is_the_index_difference() -> None:
    step = index_step(p(0, 100.250), p(15, 100.375))
    assert step.delta == pytest.approx(0.125)
    assert step.anomaly is None


def test_zero_consumption_is_zero_not_absent() -> None:
    assert index_step(p(0, 7.0), p(15, 7.0)).delta == 0.0


def test_rollover_at_register_width_is_a_wrap() -> None:
    # A 16-bit pulse counter: 65,530 -> 4 is 10 pulses (65,536 - 65,530 + 4).
    step = index_step(p(0, 65530), p(15, 4), register_max=65536)
    assert step.delta == 10
    # A 99,999.999 m3 register read in m3: 99,999.990 -> 0.015 is 25 litres.
    step = index_step(p(0, 99999.990), p(15, 0.015), register_max=100000)
    assert step.delta == pytest.approx(0.025)


def test_decrease_without_wrap_is_an_anomaly_excluded_from_consumption() -> None:
    step = index_step(p(0, 500.0), p(15, 120.0), register_max=100000)
    assert step.delta is None
    assert step.anomaly is not None and "500" in step.anomaly


def test_decrease_without_known_register_is_an_anomaly() -> None:
    step = index_step(p(0, 65530), p(15, 4))
    assert step.delta is None and step.anomaly


def test_counter_cleared_when_sent() -> None:
    assert delta_step(12).delta == 12
    assert delta_step(-1).delta is None


def test_meter_replacement_keeps_consumption_continuous() -> None:
    from kernel.types import Replacement

    swap = Replacement(at=T0 + timedelta(minutes=20), old_final=160.0, new_initial=0.0)
    # old meter 150 -> final 160 (10), new meter 0 -> 5 (5): 15 consumed, not -145.
    step = index_step(p(15, 150.0), p(30, 5.0), replacements=(swap,))
    assert step.delta == pytest.approx(15.0)
    # Readings on either side alone are ordinary differences.
    assert index_step(p(0, 140.0), p(15, 150.0), replacements=(swap,)).delta == pytest.approx(10.0)
    assert index_step(p(30, 5.0), p(45, 12.0), replacements=(swap,)).delta == pytest.approx(7.0)
    # Wrong indexes recorded for the replacement are an anomaly, not a negative consumption.
    bad = Replacement(at=T0 + timedelta(minutes=20), old_final=100.0, new_initial=0.0)
    assert index_step(p(15, 150.0), p(30, 5.0), replacements=(bad,)).delta is None
