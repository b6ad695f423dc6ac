"""CMi4140 standard messages on the encoder's record grids."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity

INST = Kind.INSTANTANEOUS


@st.composite
def _standard(draw: st.DrawFn) -> Frame:
    def grid(hi: int, step: float) -> float:
        return draw(st.integers(0, hi)) / round(1 / step)

    return Frame(
        readings=(
            DecodedReading(Quantity.HEAT_ENERGY, float(draw(st.integers(0, 2**32 - 1))), Kind.CUMULATIVE),
            DecodedReading(Quantity.HEAT_VOLUME, grid(2**32 - 1, 0.01), Kind.CUMULATIVE),
            DecodedReading(Quantity.POWER, float(draw(st.integers(0, 65535)) * 100), INST),
            DecodedReading(Quantity.FLOW, grid(65535, 0.01), INST),
            DecodedReading(Quantity.FLOW_TEMPERATURE, grid(12000, 0.01), INST),
            DecodedReading(Quantity.RETURN_TEMPERATURE, grid(12000, 0.01), INST),
        )
    )


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"elvaco/cmi4140": _standard}
