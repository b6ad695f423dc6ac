"""Frames the Netvox encoders can carry exactly."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity


@st.composite
def _r718h(draw: st.DrawFn) -> Frame:
    volts = draw(st.integers(0, 0x7F)) / 10
    count = float(draw(st.integers(0, 0xFFFF)))
    low = draw(st.booleans())
    return Frame(
        readings=(
            DecodedReading(Quantity.BATTERY_VOLTAGE, volts, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.PULSE_COUNT, count, Kind.CUMULATIVE),
        ),
        alarms=(Alarm(AlarmKind.LOW_BATTERY, detail=f"low-battery flag at {volts:.1f} V"),) if low else (),
    )


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"netvox/r718h": _r718h}
