"""Frames the Cayenne LPP encoder carries exactly: one record per reading, LPP channels 0-255."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import DecodedReading, Frame, Kind, Quantity

STATE = st.sampled_from([0.0, 1.0])
# quantity -> (kind, values on the LPP resolution grid)
VALUES: dict[Quantity, tuple[Kind, SearchStrategy[float]]] = {
    Quantity.DIGITAL_INPUT: (Kind.STATE, STATE),
    Quantity.SWITCH_STATE: (Kind.STATE, STATE),
    Quantity.OCCUPANCY: (Kind.STATE, STATE),
    Quantity.VOLTAGE: (Kind.INSTANTANEOUS, st.integers(-32768, 32767).map(lambda v: v / 100)),
    Quantity.ILLUMINANCE: (Kind.INSTANTANEOUS, st.integers(0, 65535).map(float)),
    Quantity.TEMPERATURE: (Kind.INSTANTANEOUS, st.integers(-32768, 32767).map(lambda v: v / 10)),
    Quantity.HUMIDITY: (Kind.INSTANTANEOUS, st.integers(0, 255).map(lambda v: v / 2)),
    Quantity.PRESSURE: (Kind.INSTANTANEOUS, st.integers(0, 65535).map(lambda v: v / 10)),
}


@st.composite
def _lpp_frame(draw: st.DrawFn) -> Frame:
    slots = draw(
        st.lists(
            st.tuples(st.sampled_from(sorted(VALUES)), st.integers(0, 255)),
            min_size=1,
            max_size=12,
            unique=True,
        )
    )
    readings = []
    for quantity, channel in slots:
        kind, values = VALUES[quantity]
        readings.append(DecodedReading(quantity, draw(values), kind, channel=str(channel)))
    return Frame(readings=tuple(readings))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"generic/cayenne-lpp": _lpp_frame}
