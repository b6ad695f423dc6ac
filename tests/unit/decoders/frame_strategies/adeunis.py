"""Pulse 4 frames the encoder carries exactly: counters (0x46), histories (0x5A/0x5B), keep-alive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.vendors.adeunis import EPOCH_2013, PULSE4_HISTORY_S

CUM = Kind.CUMULATIVE


def _time(draw: st.DrawFn) -> datetime | None:
    return EPOCH_2013 + timedelta(seconds=draw(st.integers(0, 2**32 - 1))) if draw(st.booleans()) else None


def _battery(draw: st.DrawFn) -> tuple[Alarm, ...]:
    return (Alarm(AlarmKind.LOW_BATTERY),) if draw(st.booleans()) else ()


@st.composite
def _counters(draw: st.DrawFn) -> Frame:
    at = _time(draw)
    readings = tuple(
        DecodedReading(Quantity.PULSE_COUNT, float(draw(st.integers(0, 2**32 - 1))), CUM, ch, at=at)
        for ch in ("A", "B")
    )
    return Frame(readings=readings, alarms=_battery(draw))


@st.composite
def _history(draw: st.DrawFn) -> Frame:
    at = _time(draw)
    channel = draw(st.sampled_from(["A", "B"]))
    steps = draw(st.lists(st.integers(0, 0xFFFF), max_size=8))
    value = draw(st.integers(sum(steps), 2**32 - 1))
    readings = []
    for step in range(len(steps) + 1):
        if at is not None:
            place: dict[str, object] = {"at": at - timedelta(seconds=step * PULSE4_HISTORY_S)}
        else:
            place = {"offset_s": -step * PULSE4_HISTORY_S if step else None}
        readings.append(DecodedReading(Quantity.PULSE_COUNT, float(value), CUM, channel, **place))  # type: ignore[arg-type]
        if step < len(steps):
            value -= steps[step]
    return Frame(readings=tuple(readings), alarms=_battery(draw))


@st.composite
def _keep_alive(draw: st.DrawFn) -> Frame:
    kinds = [(kind, ch) for kind in (AlarmKind.HIGH_FLOW, AlarmKind.TAMPER, AlarmKind.LEAK) for ch in "AB"]
    chosen = draw(st.lists(st.sampled_from(kinds), min_size=1, unique=True))
    return Frame(alarms=tuple(Alarm(kind, channel) for kind, channel in chosen) + _battery(draw))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {
    "adeunis/pulse-4": lambda: st.one_of(_counters(), _history(), _keep_alive())
}
