"""Flash'O and Pulse Sens'O frames the encoder carries: one reading taken now (a standard report)
or any set of past samples of the batch labels (a batch report)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity

CUM, STATE, INST = Kind.CUMULATIVE, Kind.STATE, Kind.INSTANTANEOUS
AGES = st.integers(min_value=0, max_value=3 * 86_400)


def _targets(inputs: tuple[str, ...], with_states: bool) -> list[tuple[Quantity, Kind, str]]:
    found = [(Quantity.PULSE_COUNT, CUM, ch) for ch in inputs] + [(Quantity.BATTERY_VOLTAGE, INST, "")]
    if with_states:
        found += [(Quantity.DIGITAL_INPUT, STATE, ch) for ch in inputs]
    return found


def _value(draw: st.DrawFn, quantity: Quantity) -> float:
    if quantity is Quantity.PULSE_COUNT:
        return float(draw(st.integers(0, 2**32 - 1)))
    if quantity is Quantity.DIGITAL_INPUT:
        return float(draw(st.integers(0, 1)))
    return draw(st.integers(0, 0xFFFF)) / 1000  # battery, whole millivolts


def _frames(inputs: tuple[str, ...], batch_states: bool) -> SearchStrategy[Frame]:
    @st.composite
    def standard(draw: st.DrawFn) -> Frame:
        quantity, kind, channel = draw(st.sampled_from(_targets(inputs, with_states=True)))
        return Frame(readings=(DecodedReading(quantity, _value(draw, quantity), kind, channel),))

    @st.composite
    def batch(draw: st.DrawFn) -> Frame:
        targets = draw(
            st.lists(st.sampled_from(_targets(inputs, batch_states)), min_size=1, max_size=4, unique=True)
        )
        readings = []
        for quantity, kind, channel in targets:
            for age in draw(st.lists(AGES, min_size=1, max_size=6)):
                value = _value(draw, quantity)
                readings.append(
                    DecodedReading(quantity, value, kind, channel, offset_s=-age if age else None)
                )
        return Frame(readings=tuple(readings))

    return st.one_of(standard(), batch())


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {
    "watteco/flasho": lambda: _frames(("",), batch_states=False),
    "watteco/pulse-senso": lambda: _frames(("1", "2", "3"), batch_states=True),
    "watteco/pulse-senso-atex": lambda: _frames(("1", "2", "3"), batch_states=True),
}
