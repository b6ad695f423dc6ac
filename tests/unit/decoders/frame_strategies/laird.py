"""Frames the RS1xx encoder carries: a current report (or a fault report) and backlog lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.vendors.laird import BACKLOG_MAX, BATTERY_BRACKETS, EPOCH

INST = Kind.INSTANTANEOUS
TEMPERATURES = st.integers(-12899, 12799).map(lambda c: c / 100)
HUMIDITIES = st.integers(0, 10000).map(lambda c: c / 100)
BATTERY = st.sampled_from([float(low) for low, _ in BATTERY_BRACKETS])


@st.composite
def _report(draw: st.DrawFn) -> Frame:
    battery = DecodedReading(Quantity.BATTERY_LEVEL, draw(BATTERY), INST)
    if draw(st.booleans()):
        return Frame(readings=(battery,), alarms=(Alarm(AlarmKind.SENSOR_FAULT),))
    return Frame(
        readings=(
            DecodedReading(Quantity.TEMPERATURE, draw(TEMPERATURES), INST),
            DecodedReading(Quantity.HUMIDITY, draw(HUMIDITIES), INST),
            battery,
        )
    )


@st.composite
def _backlog(draw: st.DrawFn) -> Frame:
    seconds = draw(st.lists(st.integers(0, 0xFFFF_FFFF), min_size=1, max_size=BACKLOG_MAX, unique=True))
    readings: list[DecodedReading] = []
    for s in seconds:
        at = EPOCH + timedelta(seconds=s)
        readings.append(DecodedReading(Quantity.TEMPERATURE, draw(TEMPERATURES), INST, at=at))
        readings.append(DecodedReading(Quantity.HUMIDITY, draw(HUMIDITIES), INST, at=at))
    return Frame(readings=tuple(readings))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {
    "laird/rs1xx-temp-rh-sensor": lambda: st.one_of(_report(), _backlog()),
}
