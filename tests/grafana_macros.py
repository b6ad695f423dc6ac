"""What Grafana does to a board's InfluxQL before sending it, for the tests that run the boards.

Written after Grafana's InfluxDB data source (pkg/tsdb/influxdb/models/query.go for ``$timeFilter``
and ``$__interval``; the front end's template variables and relative times), limited to what
releve's boards use:

- ``$timeFilter``: ``time >= <from>ms and time <= <to>ms`` (both ends included);
- ``$__interval``: the range over the panel's data points, rounded as Grafana rounds it;
- ``$var`` / ``${var}``: a variable's value; a multi-value one as ``(a|b)`` with regex
  characters escaped, "All" as its ``allValue``;
- relative times ``now``, ``now-N[dwM]`` and rounding ``/d``, ``/w`` (Monday), ``/M`` in the
  dashboard's time zone;
- a series' name (``alias``: ``$tag_KEY``, ``$col``, ``$m``) and the display name a ``byName``
  override gives it (``display_name``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Grafana's rounding of an interval (ms): (upper bound of the raw interval, rounded interval).
_ROUNDING = (
    (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000), (3500, 2000),
    (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000), (90000, 60000),
    (210000, 120000), (450000, 300000), (750000, 600000), (1050000, 900000), (1500000, 1200000),
    (2700000, 1800000), (5400000, 3600000), (9000000, 7200000), (16200000, 10800000),
    (32400000, 21600000), (86400000, 43200000), (604800000, 86400000), (1814400000, 604800000),
    (3628800000, 2592000000),
)  # fmt: skip
_YEAR_MS = 31536000000
_UNITS = (("y", _YEAR_MS), ("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1))
_RELATIVE = re.compile(r"now(?:-(\d+)([dwM]))?(?:/([dwM]))?")


def interval(start: datetime, end: datetime, max_data_points: int) -> str:
    """``$__interval`` for a panel of ``max_data_points`` over [start, end]."""
    raw = (end - start) / timedelta(milliseconds=1) / max_data_points
    ms = next((rounded for bound, rounded in _ROUNDING if raw < bound), _YEAR_MS)
    for suffix, size in _UNITS:
        if ms % size == 0:
            return f"{ms // size}{suffix}"
    raise AssertionError(ms)


def relative(expr: str, now: datetime, tz: str) -> datetime:
    """A relative time of a board (``now-30d/d``, ``now-12w/w``, ``now-11M/M``) at ``now``."""
    found = _RELATIVE.fullmatch(expr)
    if found is None:
        raise ValueError(f"unsupported relative time {expr!r}")
    amount, unit, rounding = found.groups()
    local = now.astimezone(ZoneInfo(tz))
    if amount:
        n = int(amount)
        if unit == "M":
            months = local.year * 12 + local.month - 1 - n
            local = local.replace(year=months // 12, month=months % 12 + 1, day=min(local.day, 28))
        else:
            local = (local.replace(tzinfo=None) - timedelta(days=n * (7 if unit == "w" else 1))).replace(
                tzinfo=local.tzinfo
            )
    if rounding:
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if rounding == "w":
            local -= timedelta(days=local.weekday())
        elif rounding == "M":
            local = local.replace(day=1)
        local = datetime.combine(local.date(), local.time(), ZoneInfo(tz))  # the offset of that day
    return local


def regex_escape(value: str) -> str:
    return re.sub(r"([\\^$*+?.()|{}\[\]/])", r"\\\1", value)


def interpolate(
    query: str,
    variables: dict[str, str | list[str]],
    start: datetime,
    end: datetime,
    interval_text: str = "",
) -> str:
    """The statement Grafana sends: macros and variables replaced."""
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    text = query.replace("$timeFilter", f"time >= {start_ms}ms and time <= {end_ms}ms")
    text = text.replace("$__interval", interval_text)
    for name, value in sorted(variables.items(), key=lambda kv: -len(kv[0])):
        if isinstance(value, list):
            value = "(" + "|".join(regex_escape(v) for v in value) + ")"
        text = text.replace("${" + name + "}", value).replace("$" + name, value)
    if re.search(r"\$[A-Za-z_{]", text):
        raise AssertionError(f"a macro or variable is left in {text!r}")
    return text


_ALIAS = re.compile(r"\$(\w+)|\[\[([\s\S]+?)\]\]")


def alias(pattern: str, series: dict[str, Any], column: str) -> str:
    """The name of ``column`` of an InfluxDB answer's ``series`` in a panel, by its target's alias."""

    def one(found: re.Match[str]) -> str:
        key = found[1] or found[2]
        if key in ("m", "measurement"):
            return str(series["name"])
        if key == "col":
            return column
        if key.startswith("tag_"):
            return str(series.get("tags", {}).get(key[4:], found[0]))
        return found[0]

    return _ALIAS.sub(one, pattern)


def display_name(panel: dict[str, Any], name: str) -> str:
    """What the panel shows for a series of this name: a ``byName`` override's display name."""
    for override in panel["fieldConfig"]["overrides"]:
        if override["matcher"] == {"id": "byName", "options": name}:
            for prop in override["properties"]:
                if prop["id"] == "displayName":
                    return str(prop["value"])
    return name
