"""Enless TX frames: pulse counters with flow and leak alarms, the ambient T&H with its alarms."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.vendors.enless import BATTERY_LEVELS

INST = Kind.INSTANTANEOUS


@st.composite
def _pulses(draw: st.DrawFn) -> Frame:
    readings = [
        DecodedReading(Quantity.PULSE_COUNT, float(draw(st.integers(0, 0xFFFF_FFFF))), Kind.CUMULATIVE, ch)
        for ch in ("1", "2", "oc")
    ]
    readings.append(DecodedReading(Quantity.BATTERY_LEVEL, draw(st.sampled_from(BATTERY_LEVELS)), INST))
    kinds = (AlarmKind.HIGH_FLOW, AlarmKind.LOW_FLOW, AlarmKind.LEAK)
    raised = draw(st.sets(st.tuples(st.sampled_from(kinds), st.sampled_from(("1", "2", "oc")))))
    alarms = tuple(Alarm(kind, ch) for kind, ch in sorted(raised))
    return Frame(readings=tuple(readings), alarms=alarms)


@st.composite
def _trh(draw: st.DrawFn) -> Frame:
    readings = (
        DecodedReading(Quantity.TEMPERATURE, draw(st.integers(-400, 850)) / 10, INST),
        DecodedReading(Quantity.HUMIDITY, draw(st.integers(0, 1000)) / 10, INST),
        DecodedReading(Quantity.BATTERY_LEVEL, draw(st.sampled_from(BATTERY_LEVELS)), INST),
    )
    kinds = draw(st.sets(st.sampled_from((AlarmKind.HIGH_TEMPERATURE, AlarmKind.LOW_TEMPERATURE))))
    return Frame(readings=readings, alarms=tuple(Alarm(kind) for kind in sorted(kinds)))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {
    "enless-wireless/tx-trh-amb-600-021": _trh,
    "enless-wireless/tx-pulse-600": _pulses,
    "enless-wireless/tx-pulse-atex-600-037": _pulses,
    "enless-wireless/tx-pulse-led-600-038": _pulses,
}
