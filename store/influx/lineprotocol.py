"""InfluxDB line protocol and InfluxQL literals, escaped by the rules of the InfluxDB 1.x docs."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime

_PRECISION_NS = {"ns": 1, "u": 1_000, "ms": 1_000_000, "s": 1_000_000_000}


@functools.lru_cache(maxsize=65536)  # the same tags and field names, point after point
def _escape_key(value: str) -> str:
    """Tag keys, tag values and field keys: commas, spaces and equals signs are escaped.

    InfluxDB 1.x does not unescape a doubled backslash there: a lone backslash is stored as is,
    and one before a comma, space or equals sign (or at the end) cannot be written unambiguously.
    """
    _no_newline(value)
    if value.endswith("\\") or any(f"\\{c}" in value for c in ", ="):
        raise ValueError(f"line protocol cannot carry a backslash before , space or = in a tag: {value!r}")
    return value.replace(",", "\\,").replace(" ", "\\ ").replace("=", "\\=")


def _escape_measurement(value: str) -> str:
    """Measurement names: only commas and spaces (an escaped equals sign would stay escaped)."""
    _no_newline(value)
    return value.replace(",", "\\,").replace(" ", "\\ ")


def _no_newline(value: str) -> None:
    if "\n" in value or "\r" in value:
        raise ValueError(f"line protocol cannot carry a line break in a name or tag: {value!r}")


def _field_value(value: float | int | str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("InfluxDB fields cannot hold NaN or infinity")
        return repr(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def timestamp(ts: datetime, precision: str = "ns") -> int:
    """Integer time since the epoch in ``precision`` units (exact: no float rounding)."""
    if ts.tzinfo is None:
        raise ValueError("naive datetime: give times with a time zone")
    delta = ts.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    ns = (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    return ns // _PRECISION_NS[precision]


def line(
    measurement: str,
    tags: Mapping[str, str],
    fields: Mapping[str, float | int | str | bool | None],
    ts: datetime,
    precision: str = "ns",
) -> str:
    """One point; empty tag values and None fields are left out (InfluxDB stores neither)."""
    return point(series_key(measurement, tags), fields, ts, precision)


def series_key(measurement: str, tags: Mapping[str, str]) -> str:
    """The measurement and sorted tags of a point (what a writer can cache per series)."""
    tag_part = "".join(f",{_escape_key(k)}={_escape_key(v)}" for k, v in sorted(tags.items()) if v)
    return f"{_escape_measurement(measurement)}{tag_part}"


def point(
    series: str,
    fields: Mapping[str, float | int | str | bool | None],
    ts: datetime | int,
    precision: str = "ns",
) -> str:
    """One point of a series given by ``series_key``; None fields are left out.

    ``ts`` is a datetime, or an integer already in ``precision`` units.
    """
    field_part = ",".join(f"{_escape_key(k)}={_field_value(v)}" for k, v in fields.items() if v is not None)
    if not field_part:
        raise ValueError("a point needs at least one field")
    stamp = ts if isinstance(ts, int) else timestamp(ts, precision)
    return f"{series} {field_part} {stamp}"


def quote_ident(name: str) -> str:
    """An InfluxQL identifier in double quotes."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_str(value: str) -> str:
    """An InfluxQL string literal in single quotes."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def precision_ns(precision: str) -> int:
    if precision not in _PRECISION_NS:
        raise ValueError(f"precision must be one of {sorted(_PRECISION_NS)}")
    return _PRECISION_NS[precision]
