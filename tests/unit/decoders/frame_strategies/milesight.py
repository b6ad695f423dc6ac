"""Frames the Milesight encoders can carry exactly (values on each item's grid)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity

INST = Kind.INSTANTANEOUS
COMMON = {
    Quantity.BATTERY_LEVEL: st.integers(0, 100).map(float),
    Quantity.TEMPERATURE: st.integers(-400, 850).map(lambda v: v / 10),
    Quantity.HUMIDITY: st.integers(0, 200).map(lambda v: v / 2),
}


def _frame(
    options: dict[Quantity, SearchStrategy[float]], kinds: dict[Quantity, Kind]
) -> SearchStrategy[Frame]:
    @st.composite
    def draw_frame(draw: st.DrawFn) -> Frame:
        chosen = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, unique=True))
        readings = tuple(DecodedReading(q, draw(options[q]), kinds.get(q, INST)) for q in chosen)
        return Frame(readings=readings)

    return draw_frame()


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {
    "milesight-iot/em300-di": lambda: _frame(
        {**COMMON, Quantity.PULSE_COUNT: st.integers(0, 2**32 - 1).map(float)},
        {Quantity.PULSE_COUNT: Kind.CUMULATIVE},
    ),
    "milesight-iot/am107": lambda: _frame(
        {
            **COMMON,
            Quantity.CO2: st.integers(0, 5000).map(float),
            Quantity.TVOC: st.integers(0, 60000).map(float),
            Quantity.PRESSURE: st.integers(3000, 11000).map(lambda v: v / 10),
        },
        {},
    ),
}
