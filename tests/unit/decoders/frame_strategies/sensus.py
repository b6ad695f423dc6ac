"""iPERL hourly log frames: 1 to 16 whole-litre indexes an hour apart, status alarms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity


@st.composite
def _hourly(draw: st.DrawFn) -> Frame:
    minutes = draw(st.integers(0, (2099 - 2000) * 365 * 24 * 60))
    newest = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    litres = draw(st.integers(16 * 0x7FFF, 2**31 - 1))
    readings = []
    for hour in range(draw(st.integers(1, 16))):
        readings.append(
            DecodedReading(
                Quantity.WATER_VOLUME, litres / 1000, Kind.CUMULATIVE, at=newest - timedelta(hours=hour)
            )
        )
        litres -= draw(st.integers(-0x7FFF, 0x7FFF))  # the meter counts backflow back
    kinds = draw(st.sets(st.sampled_from((AlarmKind.LOW_BATTERY, AlarmKind.METER_ERROR))))
    return Frame(readings=tuple(readings), alarms=tuple(Alarm(k) for k in sorted(kinds)))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"sensus/iperl": _hourly}
