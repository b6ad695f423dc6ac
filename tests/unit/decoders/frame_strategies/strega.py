"""Frames the STREGA smart valve encoder carries exactly: battery class A periodic reports."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity

INST, STATE = Kind.INSTANTANEOUS, Kind.STATE
BIT = st.sampled_from([0.0, 1.0])
STATUS_ALARMS = [AlarmKind.TAMPER, AlarmKind.SENSOR_FAULT, AlarmKind.MAGNETIC_FRAUD]


@st.composite
def _periodic(draw: st.DrawFn) -> Frame:
    millivolts = draw(st.integers(2000, 3700))
    valve, di0, di1, leak = draw(BIT), draw(BIT), draw(BIT), draw(BIT)
    readings = [
        DecodedReading(Quantity.BATTERY_VOLTAGE, millivolts / 1000, INST),
        DecodedReading(Quantity.BATTERY_LEVEL, float(min(100, round((millivolts - 2000) / 16))), INST),
        DecodedReading(Quantity.SWITCH_STATE, valve, STATE),
        DecodedReading(Quantity.DIGITAL_INPUT, di0, STATE, channel="0"),
        DecodedReading(Quantity.DIGITAL_INPUT, di1, STATE, channel="1"),
        DecodedReading(Quantity.WATER_LEAK, leak, STATE),
    ]
    if draw(st.booleans()):
        readings.append(DecodedReading(Quantity.TEMPERATURE, draw(st.integers(-4000, 12499)) / 100, INST))
        readings.append(DecodedReading(Quantity.HUMIDITY, draw(st.integers(0, 9999)) / 100, INST))
    if draw(st.booleans()):
        pulses = float(draw(st.integers(0, 0xFFFFFF)))
        readings.append(DecodedReading(Quantity.PULSE_COUNT, pulses, Kind.CUMULATIVE))
    kinds = draw(st.sets(st.sampled_from(STATUS_ALARMS)))
    alarms = [Alarm(kind) for kind in sorted(kinds)]
    if leak:
        alarms.append(Alarm(AlarmKind.LEAK))
    return Frame(readings=tuple(readings), alarms=tuple(alarms))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"strega/smart-valve": _periodic}
