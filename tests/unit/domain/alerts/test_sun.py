"""Sunrise and sunset against times published for Paris (rounded to the minute by their sources)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.alerts.sun import is_daylight, sun_times

PARIS = ZoneInfo("Europe/Paris")
LAT, LON = 48.8566, 2.3522
# (day, published sunrise, published sunset), local time: ephemeride.com and dateandtime.info as
# quoted by the French press (dépêches of 22/12/2019, 28/10/2023, 21/12/2025), timeanddate (24/06/2023).
PUBLISHED = [
    (date(2019, 12, 22), "08:42", "16:56"),
    (date(2023, 6, 24), "05:48", "21:58"),
    (date(2023, 10, 29), None, "17:36"),
    (date(2023, 10, 31), None, "17:32"),
    (date(2023, 11, 2), None, "17:29"),
    (date(2025, 12, 21), "08:41", "16:56"),
    (date(2025, 12, 26), "08:43", "16:59"),
]


def _local(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(("day", "sunrise", "sunset"), PUBLISHED)
def test_paris_within_a_minute_and_a_half(day: date, sunrise: str | None, sunset: str | None) -> None:
    times = sun_times(day, LAT, LON)
    assert times.sunrise is not None and times.sunset is not None
    # a published minute is rounded: 90 s covers the rounding and the method's minute
    if sunrise:
        assert abs(times.sunrise - _local(day, sunrise)) <= timedelta(seconds=90)
    if sunset:
        assert abs(times.sunset - _local(day, sunset)) <= timedelta(seconds=90)


def test_polar_day_and_night_and_the_southern_hemisphere() -> None:
    assert sun_times(date(2026, 6, 21), 78.2, 15.6).polar == "day"  # Svalbard
    assert sun_times(date(2026, 12, 21), 78.2, 15.6).polar == "night"
    sydney = sun_times(date(2026, 6, 21), -33.87, 151.21)  # winter there: a short day
    assert sydney.sunrise is not None and sydney.sunset is not None
    assert timedelta(hours=9, minutes=45) < sydney.sunset - sydney.sunrise < timedelta(hours=10, minutes=15)
    with pytest.raises(ValueError):
        sun_times(date(2026, 1, 1), 91, 0)


def test_daylight_with_a_margin() -> None:
    noon = datetime(2026, 1, 15, 12, tzinfo=PARIS)
    assert is_daylight(noon, LAT, LON, timedelta(minutes=30))
    assert not is_daylight(datetime(2026, 1, 15, 23, tzinfo=PARIS), LAT, LON)
    assert not is_daylight(datetime(2026, 1, 15, 3, tzinfo=PARIS), LAT, LON)
    rise = sun_times(date(2026, 1, 15), LAT, LON).sunrise
    assert rise is not None
    assert is_daylight(rise + timedelta(minutes=10), LAT, LON)
    assert not is_daylight(rise + timedelta(minutes=10), LAT, LON, timedelta(minutes=30))
    assert is_daylight(datetime(2026, 6, 21, 0, tzinfo=UTC), 78.2, 15.6)
