"""Frames the Elsys ERS CO2 encoder can carry exactly."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity

OPTIONS: dict[Quantity, tuple[SearchStrategy[float], Kind]] = {
    Quantity.TEMPERATURE: (st.integers(-400, 850).map(lambda v: v / 10), Kind.INSTANTANEOUS),
    Quantity.HUMIDITY: (st.integers(0, 100).map(float), Kind.INSTANTANEOUS),
    Quantity.ILLUMINANCE: (st.integers(0, 65535).map(float), Kind.INSTANTANEOUS),
    Quantity.MOTION_COUNT: (st.integers(0, 255).map(float), Kind.DELTA),
    Quantity.CO2: (st.integers(0, 10000).map(float), Kind.INSTANTANEOUS),
    Quantity.BATTERY_VOLTAGE: (st.integers(0, 3700).map(lambda v: v / 1000), Kind.INSTANTANEOUS),
}


@st.composite
def _ers_co2(draw: st.DrawFn) -> Frame:
    chosen = draw(st.lists(st.sampled_from(sorted(OPTIONS)), min_size=1, unique=True))
    return Frame(readings=tuple(DecodedReading(q, draw(OPTIONS[q][0]), OPTIONS[q][1]) for q in chosen))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"elsys/ers-co2": _ers_co2}
