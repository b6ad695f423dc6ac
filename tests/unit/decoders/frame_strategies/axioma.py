"""Daily Qalcosonic W1 frames: 24 hourly whole-litre indexes and the status alarms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from decoders import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity

# Alarm sets the status byte can carry: backflow and burst share the leak bit, burst the
# low-temperature bit (leak with low temperature reads as a burst), dry is 0x10 alone.
ALARM_SETS: tuple[tuple[AlarmKind, ...], ...] = (
    (),
    (AlarmKind.LEAK,),
    (AlarmKind.BACKFLOW,),
    (AlarmKind.BURST,),
    (AlarmKind.DRY,),
    (AlarmKind.METER_ERROR,),
    (AlarmKind.LOW_TEMPERATURE,),
    (AlarmKind.LEAK, AlarmKind.METER_ERROR),
    (AlarmKind.LOW_TEMPERATURE, AlarmKind.METER_ERROR),
)


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
    kinds = draw(st.sampled_from(ALARM_SETS))
    if draw(st.booleans()) and AlarmKind.DRY not in kinds:
        kinds = (*kinds, AlarmKind.LOW_BATTERY)
    return Frame(readings=tuple(readings), alarms=tuple(Alarm(k) for k in kinds))


STRATEGIES: dict[str, Callable[[], SearchStrategy[Frame]]] = {"axioma/qalcosonic-w1": _daily}
