"""CMi4140 standard messages on the encoder's record grids (type B: below 2^(8n-1))."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity

INST = Kind.INSTANTANEOUS


@st.composite
def _standard(draw: st.DrawFn) -> Frame:
    def grid(hi: int, step: float) -> float:
        return draw(st.integers(0, hi)) / round(1 / step)

    alarms = (Alarm(AlarmKind.METER_ERROR),) if draw(st.booleans()) else ()
    return Frame(
        readings=(
            DecodedReading(Quantity.HEAT_ENERGY, float(draw(st.integers(0, 2**31 - 1))), Kind.CUMULATIVE),
            DecodedReading(Quantity.HEAT_VOLUME, grid(2**31 - 1, 0.01), Kind.CUMULATIVE),
            DecodedReading(Quantity.POWER, float(draw(st.integers(0, 2**15 - 1)) * 100), INST),
            DecodedReading(Quantity.FLOW, grid(2**15 - 1, 0.01), INST),
            DecodedReading(Quantity.FLOW_TEMPERATURE, grid(12000, 0.01), INST),
            DecodedReading(Quantity.RETURN_TEMPERATURE, grid(12000, 0.01), INST),
        ),
        alarms=alarms,
    )


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"elvaco/cmi4140": _standard}
