"""Consumption and comfort that look like a municipal building's, as pure functions of time.

Everything is deterministic: a value depends only on the seed, the device and the time slot, so a
run can be replayed, resumed after a restart, and checked against its ground truth to the litre.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SLOT = timedelta(minutes=15)
SLOTS_PER_HOUR = 4
DEFAULT_PLACE = (45.76, 4.84)  # a site without coordinates: a village near Lyon


def noise(seed: int, key: str, slot: int) -> float:
    """A reproducible uniform number in [0, 1) for (seed, key, slot)."""
    digest = hashlib.blake2b(f"{seed}:{key}:{slot}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


# French school holidays (zone C, approximate) and public holidays: the school and the gym empty.
_SCHOOL_HOLIDAYS = (
    (date(2025, 12, 20), date(2026, 1, 5)),
    (date(2026, 2, 14), date(2026, 3, 2)),
    (date(2026, 4, 11), date(2026, 4, 27)),
    (date(2026, 7, 4), date(2026, 9, 1)),
    (date(2026, 10, 17), date(2026, 11, 2)),
    (date(2026, 12, 19), date(2027, 1, 4)),
)
_PUBLIC_HOLIDAYS = {
    date(2026, 1, 1),
    date(2026, 4, 6),
    date(2026, 5, 1),
    date(2026, 5, 8),
    date(2026, 5, 14),
    date(2026, 5, 25),
    date(2026, 7, 14),
    date(2026, 8, 15),
    date(2026, 11, 1),
    date(2026, 11, 11),
    date(2026, 12, 25),
}


def school_holiday(day: date) -> bool:
    return any(start <= day < end for start, end in _SCHOOL_HOLIDAYS)


def occupancy(use: str, local: datetime) -> float:
    """How full a building of this use is at this local time, 0..1."""
    day, hour = local.date(), local.hour + local.minute / 60
    weekday = local.weekday()
    if day in _PUBLIC_HOLIDAYS:
        return 0.0
    if use == "school":
        if school_holiday(day) or weekday >= 5 or (weekday == 2 and hour >= 12):
            return 0.0
        return 1.0 if 8.5 <= hour < 16.5 else (0.3 if 7.5 <= hour < 18 else 0.0)
    if use == "gym":
        if weekday == 6:
            return 0.0
        return (
            0.8
            if 17 <= hour < 22
            else (0.5 if 9 <= hour < 12 and weekday == 5 else 0.1 if 8 <= hour < 17 else 0)
        )
    if use == "library":
        if weekday in (0, 6):
            return 0.0
        return 0.6 if 10 <= hour < 18 else 0.0
    if use == "housing":
        return 0.9 if hour < 8 or hour >= 18 else 0.4
    # town hall and offices
    if weekday >= 5:
        return 0.05 if weekday == 5 and 9 <= hour < 12 else 0.0
    return 1.0 if 8.5 <= hour < 12.5 or 13.5 <= hour < 17.5 else (0.2 if 7.5 <= hour < 19 else 0.0)


def outdoor_temperature(local: datetime) -> float:
    """A French inland climate: 4 degC mean in January, 21 in July, 8 degrees between day and night."""
    day_of_year = local.timetuple().tm_yday
    seasonal = 12.5 - 8.5 * math.cos(2 * math.pi * (day_of_year - 15) / 365.25)
    daily = -4.0 * math.cos(2 * math.pi * (local.hour + local.minute / 60 - 3) / 24)
    return seasonal + daily


@dataclass(frozen=True, slots=True)
class Profile:
    """How a meter of some use consumes: per 15-minute slot, in its canonical unit."""

    kind: str  # "water", "electricity", "gas", "heat"
    use: str
    base: float  # per slot, at night and when empty
    peak: float  # per slot, when the building is full
    heating: float = 0.0  # per slot and per degree below 16 degC outdoors, in the heating season
    latitude: float = DEFAULT_PLACE[0]  # where the building is: public lighting follows the sun
    longitude: float = DEFAULT_PLACE[1]


def sun_down(ts: datetime, latitude: float, longitude: float) -> bool:
    """Whether a photocell would see night: the sun's centre below -0.833 degrees (a rough solar
    position: the declination's and the equation of time's main terms, a few minutes' accuracy)."""
    utc = ts.astimezone(UTC)
    day = utc.timetuple().tm_yday
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + day) / 365)
    b = 2 * math.pi * (day - 81) / 364
    eot_min = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)
    solar_hour = utc.hour + utc.minute / 60 + utc.second / 3600 + longitude / 15 + eot_min / 60
    phi = math.radians(latitude)
    altitude = math.asin(
        math.sin(phi) * math.sin(declination)
        + math.cos(phi) * math.cos(declination) * math.cos(math.radians(15 * (solar_hour - 12)))
    )
    return altitude < math.radians(-0.833)


def slot_consumption(
    profile: Profile, seed: int, key: str, slot: int, local: datetime, lights_stuck: bool = False
) -> float:
    """What a meter consumed in one slot; never negative."""
    if profile.use == "public_lighting":
        # lamps on from dusk to dawn (or all the time when their photocell has failed)
        lit = lights_stuck or sun_down(local, profile.latitude, profile.longitude)
        return profile.base + (profile.peak * (0.95 + 0.1 * noise(seed, key, slot)) if lit else 0.0)
    occ = occupancy(profile.use, local)
    jitter = 0.7 + 0.6 * noise(seed, key, slot)
    value = profile.base * (0.8 + 0.4 * noise(seed, key + "b", slot)) + profile.peak * occ * jitter
    if profile.heating:
        deficit = max(0.0, 16.0 - outdoor_temperature(local))
        # Heating runs by schedule: full when occupied, set back to a third otherwise.
        value += profile.heating * deficit * (1.0 if occ > 0 else 0.33)
    if profile.kind == "water" and profile.use == "school" and occ > 0 and local.hour in (11, 12):
        value += profile.peak * 0.8  # the canteen
    return max(0.0, value)


def indoor_climate(use: str, seed: int, key: str, slot: int, local: datetime) -> tuple[float, float, float]:
    """Temperature (degC), relative humidity (%) and CO2 (ppm) of a room."""
    occ = occupancy(use, local)
    outdoor = outdoor_temperature(local)
    heated = outdoor < 16
    setpoint = 20.0 if occ > 0 else 17.0
    temp = setpoint + 0.8 * occ if heated else max(setpoint, outdoor + 3.0)
    temp += (noise(seed, key + "t", slot) - 0.5) * 0.6
    humidity = 45 + 10 * occ + (noise(seed, key + "h", slot) - 0.5) * 6
    co2 = 420 + 900 * occ * (0.6 + 0.6 * noise(seed, key + "c", slot))
    return round(temp, 1), round(humidity), round(co2)


def outdoor_climate(seed: int, key: str, slot: int, local: datetime) -> tuple[float, float]:
    """What an outdoor sensor reads: the air temperature (degC) and relative humidity (%), the
    humidity highest in the cold of the night."""
    temp = outdoor_temperature(local) + (noise(seed, key + "t", slot) - 0.5) * 0.8
    humidity = 95 - 2.0 * temp + (noise(seed, key + "h", slot) - 0.5) * 8
    return round(temp, 1), round(max(25.0, min(100.0, humidity)))


def local_time(ts: datetime, tz: ZoneInfo) -> datetime:
    return ts.astimezone(tz)
