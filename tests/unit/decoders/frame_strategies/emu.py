"""EMU frames: energies in whole Wh and total power in whole W, at one logger time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity

SLOTS = [
    (Quantity.ENERGY_IMPORT, "T1"),
    (Quantity.ENERGY_IMPORT, "T2"),
    (Quantity.ENERGY_EXPORT, "T1"),
    (Quantity.ENERGY_EXPORT, "T2"),
    (Quantity.POWER, ""),
]


@st.composite
def _emu(draw: st.DrawFn) -> Frame:
    at = datetime.fromtimestamp(draw(st.integers(1_500_000_000, 2_000_000_000)), UTC)
    chosen = draw(st.lists(st.sampled_from(SLOTS), min_size=1, unique=True))
    readings = []
    for quantity, channel in chosen:
        if quantity is Quantity.POWER:
            readings.append(
                DecodedReading(
                    quantity,
                    float(draw(st.integers(-(2**31), 2**31 - 1))),
                    Kind.INSTANTANEOUS,
                    channel,
                    at=at,
                )
            )
        else:
            readings.append(
                DecodedReading(
                    quantity, draw(st.integers(0, 2**32 - 1)) / 1000, Kind.CUMULATIVE, channel, at=at
                )
            )
    return Frame(readings=tuple(readings))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"emu/emu-prof-ii": _emu}
