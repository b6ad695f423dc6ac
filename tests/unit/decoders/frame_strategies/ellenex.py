"""PLS2-L reports: a level in whole millimetres and a battery voltage in 0.1 V steps."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity


@st.composite
def _report(draw: st.DrawFn) -> Frame:
    level = draw(st.integers(-0x8000, 0x7FFF)) / 1000
    volts = draw(st.integers(0, 255)) / 10
    return Frame(
        readings=(
            DecodedReading(Quantity.LEVEL, level, Kind.INSTANTANEOUS),
            DecodedReading(Quantity.BATTERY_VOLTAGE, volts, Kind.INSTANTANEOUS),
        )
    )


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"ellenex/pls2-l": _report}
