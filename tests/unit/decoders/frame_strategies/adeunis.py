"""Pulse 4 counter frames (0x46): two 32-bit counters at one device time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.vendors.adeunis import EPOCH_2013


@st.composite
def _counters(draw: st.DrawFn) -> Frame:
    at = EPOCH_2013 + timedelta(seconds=draw(st.integers(0, 2**32 - 1))) if draw(st.booleans()) else None
    readings = tuple(
        DecodedReading(
            Quantity.PULSE_COUNT, float(draw(st.integers(0, 2**32 - 1))), Kind.CUMULATIVE, ch, at=at
        )
        for ch in ("A", "B")
    )
    alarms = (Alarm(AlarmKind.LOW_BATTERY),) if draw(st.booleans()) else ()
    return Frame(readings=readings, alarms=alarms)


@st.composite
def _keep_alive(draw: st.DrawFn) -> Frame:
    kinds = [(AlarmKind.HIGH_FLOW, c) for c in "AB"] + [(AlarmKind.TAMPER, c) for c in "AB"]
    kinds += [(AlarmKind.LEAK, c) for c in "AB"]
    chosen = draw(st.lists(st.sampled_from(kinds), min_size=1, unique=True))
    return Frame(alarms=tuple(Alarm(kind, channel) for kind, channel in chosen))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {
    "adeunis/pulse-4": lambda: st.one_of(_counters(), _keep_alive())
}
