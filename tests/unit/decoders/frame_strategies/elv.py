"""ESI frames: supply voltage plus an electricity or a gas block, on the ESI's grids."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity

INST = Kind.INSTANTANEOUS


@st.composite
def _esi(draw: st.DrawFn) -> Frame:
    volts = DecodedReading(Quantity.BATTERY_VOLTAGE, draw(st.integers(0, 65535)) / 1000, INST)
    counter = draw(st.integers(0, 2**40 - 1)) / 10_000
    rate = draw(st.integers(0, 2**32 - 1)) / 100
    if draw(st.booleans()):
        rate = -rate if draw(st.booleans()) else rate
        pair = (
            DecodedReading(Quantity.ENERGY_IMPORT, counter, Kind.CUMULATIVE),
            DecodedReading(Quantity.POWER, rate, INST),
        )
    else:
        pair = (
            DecodedReading(Quantity.GAS_VOLUME, counter, Kind.CUMULATIVE),
            DecodedReading(Quantity.FLOW, rate, INST),
        )
    return Frame(readings=(volts, *pair))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"elv/elv-lw-esi": _esi}
