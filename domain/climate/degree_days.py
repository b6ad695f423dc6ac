"""Heating degree days (DJU, degrés-jours unifiés), Météo-France's method. Pure functions.

A day's DJU is ``base - (Tmin + Tmax) / 2``, floored at 0, with Tmin and Tmax the lowest and
highest outdoor temperatures of the local day. A heating consumption divided by its period's DJU
compares winters of different harshness; scaled to a reference period's DJU it is "normalized".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

METHOD = "DJU (Météo-France: base - (Tmin+Tmax)/2, >= 0)"
DEFAULT_BASE = 18.0


@dataclass(frozen=True, slots=True)
class DayTemperature:
    """One local day's outdoor temperatures (degC) and how many observations they come from."""

    day: date
    min: float
    max: float
    mean: float
    count: int


def degree_days(t_min: float, t_max: float, base: float = DEFAULT_BASE) -> float:
    """One day's DJU: how far the day's mid-range temperature is below ``base`` (never negative)."""
    return max(0.0, base - (t_min + t_max) / 2)


def daily_temperatures(observations: Iterable[tuple[datetime, float]], tz: str) -> list[DayTemperature]:
    """Group timezone-aware observations by local day of ``tz``; days in order."""
    zone = ZoneInfo(tz)
    days: dict[date, list[float]] = {}
    for ts, value in observations:
        if ts.tzinfo is None:
            raise ValueError("observation times must be timezone-aware")
        days.setdefault(ts.astimezone(zone).date(), []).append(value)
    return [
        DayTemperature(day=d, min=min(v), max=max(v), mean=sum(v) / len(v), count=len(v))
        for d, v in sorted(days.items())
    ]


def period_degree_days(
    days: Mapping[date, DayTemperature], first: date, last: date, base: float = DEFAULT_BASE
) -> float | None:
    """The DJU of the local days ``first`` .. ``last`` (inclusive); None when a day has no temperature."""
    total = 0.0
    day = first
    while day <= last:
        found = days.get(day)
        if found is None:
            return None
        total += degree_days(found.min, found.max, base)
        day += timedelta(days=1)
    return total


def normalized(consumption: float, actual_dju: float, reference_dju: float) -> float | None:
    """Consumption scaled to a reference period's DJU (None when the actual period had no DJU)."""
    if actual_dju <= 0:
        return None
    return consumption * reference_dju / actual_dju
