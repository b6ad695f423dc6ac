"""Sunrise and sunset at a place, from the solar position (NOAA's low-precision equations). Pure.

Accurate to about a minute between latitudes 60 N and 60 S, which is what deciding whether public
lighting should be off needs. Sunrise and sunset are when the sun's upper limb touches a flat
horizon, with standard refraction: a solar zenith of 90.833 degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

ZENITH = 90.833  # degrees: 90 + refraction (34') + the sun's half-diameter (16')
_J2000 = 2451545.0


@dataclass(frozen=True, slots=True)
class SunTimes:
    """One local day's sunrise and sunset (UTC); None for polar night or midnight sun."""

    sunrise: datetime | None
    sunset: datetime | None
    polar: str | None = None  # "day" (the sun never sets) or "night" (it never rises)


def _julian_day(ts: datetime) -> float:
    return ts.timestamp() / 86400.0 + 2440587.5


def _solar(jd: float) -> tuple[float, float]:
    """The sun's declination (radians) and the equation of time (minutes) at Julian day ``jd``."""
    t = (jd - _J2000) / 36525.0
    l0 = math.radians((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360)
    m = math.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    center = (
        math.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + math.sin(2 * m) * (0.019993 - 0.000101 * t)
        + math.sin(3 * m) * 0.000289
    )
    omega = math.radians(125.04 - 1934.136 * t)
    apparent = math.radians(math.degrees(l0) + center - 0.00569 - 0.00478 * math.sin(omega))
    mean_obliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
    obliquity = math.radians(mean_obliquity + 0.00256 * math.cos(omega))
    declination = math.asin(math.sin(obliquity) * math.sin(apparent))
    y = math.tan(obliquity / 2) ** 2
    eot = 4 * math.degrees(
        y * math.sin(2 * l0)
        - 2 * e * math.sin(m)
        + 4 * e * y * math.sin(m) * math.cos(2 * l0)
        - 0.5 * y * y * math.sin(4 * l0)
        - 1.25 * e * e * math.sin(2 * m)
    )
    return declination, eot


def _event(day: date, latitude: float, longitude: float, rising: bool) -> datetime | str:
    """The UTC time of sunrise or sunset on ``day`` (a UTC date), or "day"/"night" when none."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    phi = math.radians(latitude)
    minutes = 720 - 4 * longitude  # first guess: mean solar noon
    for _ in range(3):  # the sun's position at the guessed time refines the guess
        declination, eot = _solar(_julian_day(midnight + timedelta(minutes=minutes)))
        cos_h = (math.cos(math.radians(ZENITH)) - math.sin(phi) * math.sin(declination)) / (
            math.cos(phi) * math.cos(declination)
        )
        if cos_h < -1:
            return "day"
        if cos_h > 1:
            return "night"
        hour_angle = math.degrees(math.acos(cos_h))
        noon = 720 - 4 * longitude - eot
        minutes = noon - 4 * hour_angle if rising else noon + 4 * hour_angle
    return midnight + timedelta(minutes=minutes)


def sun_times(day: date, latitude: float, longitude: float) -> SunTimes:
    """Sunrise and sunset of the solar day ``day`` at a place (longitude east positive)."""
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise ValueError(f"not a place on Earth: {latitude}, {longitude}")
    rise = _event(day, latitude, longitude, rising=True)
    set_ = _event(day, latitude, longitude, rising=False)
    if isinstance(rise, str) or isinstance(set_, str):
        polar = rise if isinstance(rise, str) else str(set_)
        return SunTimes(None, None, polar)
    return SunTimes(rise, set_)


def is_daylight(ts: datetime, latitude: float, longitude: float, margin: timedelta = timedelta(0)) -> bool:
    """Whether ``ts`` is between sunrise + margin and sunset - margin of its day at the place."""
    # The solar day of a place: the UTC date shifted by its longitude (noon near 12:00 local mean time).
    solar_day = (ts.astimezone(UTC) + timedelta(hours=longitude / 15)).date()
    times = sun_times(solar_day, latitude, longitude)
    if times.polar is not None:
        return times.polar == "day"
    assert times.sunrise is not None and times.sunset is not None
    return times.sunrise + margin <= ts <= times.sunset - margin
