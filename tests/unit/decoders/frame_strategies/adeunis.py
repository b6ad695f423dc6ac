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


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"adeunis/pulse-4": _counters}
