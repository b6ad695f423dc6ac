"""Daily Qalcosonic W1 frames: 24 hourly whole-litre indexes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity


@st.composite
def _daily(draw: st.DrawFn) -> Frame:
    at = datetime.fromtimestamp(draw(st.integers(1_500_000_000, 2_000_000_000)), UTC)
    litres = draw(st.integers(0, 2**32 - 2**18))
    readings = [DecodedReading(Quantity.WATER_VOLUME, litres / 1000, Kind.CUMULATIVE, at=at)]
    for hour in range(1, 24):
        litres += draw(st.integers(0, 2**14 - 1))
        readings.append(
            DecodedReading(
                Quantity.WATER_VOLUME, litres / 1000, Kind.CUMULATIVE, at=at + timedelta(hours=hour)
            )
        )
    alarms = []
    if draw(st.booleans()):
        alarms.append(Alarm(AlarmKind.LOW_BATTERY))
    if draw(st.booleans()):
        alarms.append(Alarm(AlarmKind.LEAK))
    return Frame(readings=tuple(readings), alarms=tuple(alarms))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"axioma/qalcosonic-w1": _daily}
