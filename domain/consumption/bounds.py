"""How much one request may ask for: the limits of every answer with a time range, in one place.

A series is one value per window (hour, day, week, month, year) of the range, so its size is
known from the range and the window alone: it is counted before anything is read, and a range
that would give more windows than an answer holds is refused (``AnswerTooLarge``: the API's 422
problem document names the limit and what to ask instead, a larger window or a shorter range).
An answer with several series (a tenant's sites, the open data's sites, a site's room sensors)
is bounded by its number of values. Endpoints of raw readings serve a shorter range. No user of
the technicians' page or of the open data meets these limits: hourly over two years (17,544
windows) and daily over twenty years (7,305) are answered; hourly over twenty years (175,000
windows, 127 MB of JSON and 800 MB of memory for one tenant) is not.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Final

from domain.consumption.errors import AnswerTooLarge
from store import Window

MAX_WINDOWS: Final = 20_000
"""Windows in one series: hourly over two years and a quarter, daily over 54 years."""
MAX_VALUES: Final = 100_000
"""Values in one answer: windows times series (a tenant's sites and their sum, ...)."""
MAX_RANGE: Final = timedelta(days=366 * 20)
"""Any range."""
MAX_WEATHER_RANGE: Final = timedelta(days=366 * 5)
"""A weather station's daily temperatures (read from its raw observations)."""
MAX_RAW_RANGE: Final = timedelta(days=366)
"""Raw readings: a device's readings (paged), a site's comfort (every room sensor's readings)."""

# Average lengths: a count is right within one window, whatever the months and time changes.
_LENGTH = {
    Window.HOUR: timedelta(hours=1),
    Window.DAY: timedelta(days=1),
    Window.WEEK: timedelta(days=7),
    Window.MONTH: timedelta(days=365.2425 / 12),
    Window.YEAR: timedelta(days=365.2425),
}


def count_windows(window: Window, start: datetime, end: datetime) -> int:
    """About how many windows [start, end) spans, counting the partial ones at both ends."""
    return math.ceil((end - start) / _LENGTH[window]) + 1


def check_range(start: datetime, end: datetime, max_range: timedelta = MAX_RANGE) -> None:
    if end - start > max_range:
        raise AnswerTooLarge(
            "Range too large",
            f"a range is at most {max_range.days} days here: ask a shorter one",
            max_range_days=max_range.days,
        )


def check_windows(window: Window, start: datetime, end: datetime, series: int = 1) -> None:
    """Refuse a range of more than ``MAX_WINDOWS`` windows, or more than ``MAX_VALUES`` values
    over ``series`` series, before anything is read."""
    windows = count_windows(window, start, end)
    if windows > MAX_WINDOWS:
        raise AnswerTooLarge(
            "Too many windows",
            f"window={window.value} from {start.isoformat()} to {end.isoformat()} is about "
            f"{windows:,} windows; a series holds at most {MAX_WINDOWS:,}: ask a larger window or "
            f"a range of at most {_days(MAX_WINDOWS - 1, window)} days",
            limit=MAX_WINDOWS,
            windows=windows,
        )
    values = windows * max(series, 1)
    if values > MAX_VALUES:
        raise AnswerTooLarge(
            "Answer too large",
            f"window={window.value} from {start.isoformat()} to {end.isoformat()} over {series} "
            f"series is about {values:,} values; an answer holds at most {MAX_VALUES:,}: ask a "
            f"larger window or a range of at most {_days(MAX_VALUES // max(series, 1) - 1, window)} days",
            limit=MAX_VALUES,
            values=values,
        )


def _days(windows: int, window: Window) -> int:
    return max(int(windows * _LENGTH[window] / timedelta(days=1)), 0)
