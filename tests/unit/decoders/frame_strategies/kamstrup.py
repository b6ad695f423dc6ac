"""flowIQ 2200 hourly log frames: 1 to 24 whole-litre indexes an hour apart, info-code alarms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity

INFO_CODES = (
    AlarmKind.DRY,
    AlarmKind.BACKFLOW,
    AlarmKind.LEAK,
    AlarmKind.BURST,
    AlarmKind.TAMPER,
    AlarmKind.LOW_BATTERY,
    AlarmKind.LOW_TEMPERATURE,
    AlarmKind.HIGH_TEMPERATURE,
)


@st.composite
def _hourly(draw: st.DrawFn) -> Frame:
    minutes = draw(st.integers(0, (2099 - 2000) * 365 * 24 * 60))
    newest = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    litres = draw(st.integers(24 * 0xFFFE, 2**31 - 1))
    readings = []
    for hour in range(draw(st.integers(1, 24))):
        readings.append(
            DecodedReading(
                Quantity.WATER_VOLUME, litres / 1000, Kind.CUMULATIVE, at=newest - timedelta(hours=hour)
            )
        )
        litres -= draw(st.integers(0, 0xFFFE))
    kinds = draw(st.sets(st.sampled_from(INFO_CODES)))
    return Frame(readings=tuple(readings), alarms=tuple(Alarm(k) for k in sorted(kinds)))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"kamstrup/flowiq2200-02k73a": _hourly}
