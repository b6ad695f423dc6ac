"""RWMR frames on the device's grids."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity


@st.composite
def _rwmr(draw: st.DrawFn) -> Frame:
    readings = [
        DecodedReading(
            Quantity.BATTERY_VOLTAGE, round(draw(st.integers(0, 255)) * 3.3 / 255, 2), Kind.INSTANTANEOUS
        )
    ]
    for channel in draw(st.lists(st.sampled_from(["1", "2"]), unique=True)):
        readings.append(
            DecodedReading(
                Quantity.PULSE_COUNT, float(draw(st.integers(0, 2**32 - 1))), Kind.CUMULATIVE, channel
            )
        )
    if draw(st.booleans()):
        readings.append(
            DecodedReading(
                Quantity.TEMPERATURE, round(draw(st.integers(0, 255)) * 90 / 255 - 30, 2), Kind.INSTANTANEOUS
            )
        )
    return Frame(readings=tuple(readings))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"develiot/rwmr": _rwmr}
