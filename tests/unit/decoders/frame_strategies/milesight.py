"""Frames the Milesight encoders can carry exactly (values on each item's grid)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity

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
        leak = any(r.quantity is Quantity.WATER_LEAK and r.value == 1 for r in readings)
        alarms = (Alarm(AlarmKind.LEAK, detail="water detected by the leak cable"),) if leak else ()
        return Frame(readings=readings, alarms=alarms)

    return draw_frame()


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {
    "milesight-iot/em300-zld": lambda: _frame(
        {**COMMON, Quantity.WATER_LEAK: st.sampled_from([0.0, 1.0])},
        {Quantity.WATER_LEAK: Kind.STATE},
    ),
    "milesight-iot/em300-di": lambda: _frame(
        {**COMMON, Quantity.PULSE_COUNT: st.integers(0, 2**32 - 1).map(float)},
        {Quantity.PULSE_COUNT: Kind.CUMULATIVE},
    ),
    "milesight-iot/am107": lambda: _frame(
        {
            **COMMON,
            Quantity.MOTION_COUNT: st.integers(0, 0xFFFF).map(float),
            Quantity.ILLUMINANCE: st.integers(0, 60000).map(float),
            Quantity.CO2: st.integers(0, 5000).map(float),
            Quantity.TVOC: st.integers(0, 60000).map(float),
            Quantity.PRESSURE: st.integers(3000, 11000).map(lambda v: v / 10),
        },
        {Quantity.MOTION_COUNT: Kind.DELTA},
    ),
}
