"""InfluxDB line protocol and InfluxQL literals, escaped by the rules of the InfluxDB 1.x docs, and
the rollup points and statements the InfluxDB store writes with them."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kernel.types import MAX_SERIES
from store.errors import StoreRejected

if TYPE_CHECKING:
    from store.influx.open_hours import HourStats

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
    delta = ts - _EPOCH  # aware datetimes subtract across offsets
    ns = (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    return ns if precision == "ns" else ns // _PRECISION_NS[precision]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def reading_point(
    series: str, value: float, delta: float | None, f_cnt: int | None, uplink_id: int | None, stamp: int
) -> str:
    """``point`` for a raw reading's four fields (a float, an optional float, two optional
    integers), the same bytes, without the generic per-field dispatch: four of them are
    written for every uplink."""
    fields = f"value={_finite(value)!r}"
    if delta is not None:
        fields += f",delta={_finite(float(delta))!r}"
    if f_cnt is not None:
        fields += f",f_cnt={int(f_cnt)}i"
    if uplink_id is not None:
        fields += f",uplink_id={int(uplink_id)}i"
    return f"{series} {fields} {stamp}"


def _finite(value: float) -> float:
    if value != value or value == _INF or value == -_INF:
        raise ValueError("InfluxDB fields cannot hold NaN or infinity")
    return value


_INF = float("inf")


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


def from_ns(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value // 1000)


def as_float(value: float | int | None) -> float | None:
    """InfluxDB's JSON writes 2.0 as 2: fields must stay floats, or a later write conflicts."""
    return None if value is None else float(value)


class SeriesPrefixes:
    """Each series' measurement and tags in line protocol (``series_key``), each part escaped
    once (escaping was a tenth of the time) and kept once: the devices' tags (at most
    ``MAX_SERIES``), and those before and after them (channel; kind and quantity: a few hundred).
    The prefixes themselves are not kept: per series and kind they took 16 MB of the processor
    with 10,000 devices (40,000 series, tracemalloc)."""

    def __init__(self) -> None:
        self._measurements: dict[str, str] = {}
        self._channels: dict[str, str] = {}
        self._devices: dict[str, str] = {}
        self._after: dict[str, dict[str, str]] = {}  # kind -> quantity -> their tags

    def of(self, measurement: str, dev_eui: str, quantity: str, channel: str, kind: str) -> str:
        # The tags in the sorted order of their keys, empty ones left out (as ``series_key``).
        name = self._measurements.get(measurement)
        if name is None:
            name = self._measurements[measurement] = _escape_measurement(measurement)
        before = self._channels.get(channel)
        if before is None:
            before = self._kept(self._channels, channel, _tag("channel", channel))
        device = self._devices.get(dev_eui)
        if device is None:
            device = self._kept(self._devices, dev_eui, _tag("dev_eui", dev_eui))
        of_kind = self._after.get(kind)
        if of_kind is None:
            of_kind = self._after[kind] = {}
        after = of_kind.get(quantity)
        if after is None:
            after = self._kept(of_kind, quantity, _tag("kind", kind) + _tag("quantity", quantity))
        return f"{name}{before}{device}{after}"

    @staticmethod
    def _kept(parts: dict[str, str], key: str, part: str) -> str:
        if len(parts) > MAX_SERIES:
            parts.clear()
        parts[key] = part
        return part


def _tag(key: str, value: str) -> str:
    """One tag of ``series_key`` (nothing for an empty value)."""
    return f",{key}={_escape_key(value)}" if value else ""


# Rollups merged inside InfluxDB: the fields of a rollup point from the rows of a period.
MERGE = 'sum("count"), sum("consumption"), min("min"), max("max"), sum("sum"), first("first"), last("last")'


def rollup_line(measurement: str, key: Sequence[str], at: int, values: Sequence[Any]) -> str:
    """A rollup point: ``values`` are count, consumption, min, max, sum, first, last."""
    count, consumption, vmin, vmax, total, first, last = values
    return line(
        measurement,
        {"dev_eui": key[0], "quantity": key[1], "channel": key[2]},
        {
            "count": int(count),
            "consumption": as_float(consumption),
            "min": as_float(vmin),
            "max": as_float(vmax),
            "sum": as_float(total),
            "first": as_float(first),
            "last": as_float(last),
        },
        from_ns(at),
        "ns",
    )


def stats_line(series: str, at: int, h: HourStats | str) -> str:
    """A rollup point of a series given by ``series_key`` (the bridge writes three per reading:
    formatted here directly, not field by field); ``h``: its rollup, or its fields formatted
    already (``stats_fields``)."""
    return f"{series} {h if isinstance(h, str) else stats_fields(h, series)} {at}"


def stats_fields(h: HourStats, series: str = "") -> str:
    """A rollup point's fields in line protocol."""
    if not math.isfinite(h.total) or (h.consumption is not None and not math.isfinite(h.consumption)):
        raise StoreRejected(f"rollup of {series} overflows: sum {h.total}, consumption {h.consumption}")
    consumption = "" if h.consumption is None else f",consumption={float(h.consumption)!r}"
    return (
        f"count={h.count}i{consumption},first={float(h.first)!r},last={float(h.last)!r},"
        f"max={float(h.max)!r},min={float(h.min)!r},sum={float(h.total)!r}"
    )


_WORD = re.compile(r"[0-9A-Za-z_-]+")
OR_CHUNK = 200  # values in one condition


def any_of(tag: str, values: Sequence[str]) -> str:
    """A tag equal to any of ``values``: a regular expression when they are plain words (parsed
    and matched much faster by InfluxDB than a long OR), else ORs."""
    if len(values) > 1 and all(_WORD.fullmatch(v) for v in values):
        return f"{tag} =~ /^(?:{'|'.join(values)})$/"
    return " OR ".join(f"{tag} = {quote_str(v)}" for v in values)


def chunks(values: Sequence[str], size: int = OR_CHUNK) -> list[Sequence[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
