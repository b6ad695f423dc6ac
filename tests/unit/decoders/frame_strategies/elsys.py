"""Frames the Elsys encoders carry exactly (ERS CO2 and EMS reports)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity

INST = Kind.INSTANTANEOUS
Slot = tuple[Quantity, str, Kind]

VALUES: dict[Slot, SearchStrategy[float]] = {
    (Quantity.TEMPERATURE, "", INST): st.integers(-400, 850).map(lambda v: v / 10),
    (Quantity.HUMIDITY, "", INST): st.integers(0, 100).map(float),
    (Quantity.ILLUMINANCE, "", INST): st.integers(0, 65535).map(float),
    (Quantity.MOTION_COUNT, "", Kind.DELTA): st.integers(0, 255).map(float),
    (Quantity.CO2, "", INST): st.integers(0, 10000).map(float),
    (Quantity.BATTERY_VOLTAGE, "", INST): st.integers(0, 3700).map(lambda v: v / 1000),
    (Quantity.PULSE_COUNT, "1", Kind.DELTA): st.integers(0, 0xFFFF).map(float),
    (Quantity.PULSE_COUNT, "1", Kind.CUMULATIVE): st.integers(0, 0xFFFF_FFFF).map(float),
    (Quantity.DIGITAL_INPUT, "", Kind.STATE): st.sampled_from([0.0, 1.0]),
    (Quantity.WATER_LEAK, "", Kind.STATE): st.sampled_from([0.0, 1.0]),
}
ERS_CO2 = [s for s in VALUES if s[0] in {Quantity.ILLUMINANCE, Quantity.MOTION_COUNT, Quantity.CO2}]
ERS_CO2 += [s for s in VALUES if s[0] in {Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.BATTERY_VOLTAGE}]
EMS = [s for s in VALUES if s[0] in {Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.BATTERY_VOLTAGE}]
EMS += [s for s in VALUES if s[0] in {Quantity.PULSE_COUNT, Quantity.DIGITAL_INPUT, Quantity.WATER_LEAK}]


def _report(slots: list[Slot]) -> SearchStrategy[Frame]:
    @st.composite
    def draw_frame(draw: st.DrawFn) -> Frame:
        chosen = draw(st.lists(st.sampled_from(slots), min_size=1, unique=True))
        readings = tuple(DecodedReading(q, draw(VALUES[(q, ch, k)]), k, ch) for q, ch, k in chosen)
        wet = any(r.quantity is Quantity.WATER_LEAK and r.value for r in readings)
        return Frame(readings=readings, alarms=(Alarm(AlarmKind.LEAK),) if wet else ())

    return draw_frame()


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {
    "elsys/ers-co2": lambda: _report(ERS_CO2),
    "elsys/ems": lambda: _report(EMS),
}
