"""Frames that the network server already decoded: a declarative field map, written by ops staff.

ChirpStack (``object``) and The Things Stack (``decoded_payload``) can run the vendor's own codec;
releve then only has to pick the fields out. A field map is plain data (TOML or JSON), one entry
per field::

    [[fields]]
    path = "meter.index"        # dotted path into the object; list items by index: "channels.0.value"
    quantity = "water_volume"   # a releve Quantity
    unit = "L"                  # the source unit, converted to the quantity's canonical unit
    scale = 1.0                 # optional multiplier applied before the unit conversion
    kind = "cumulative"         # optional: cumulative for metering quantities, state for states,
                                # instantaneous otherwise
    channel = ""                # optional

    [[fields]]
    path = "tamper"
    alarm = "tamper"            # an alarm instead of a reading: raised when the value is non-zero

``FieldMap.from_dict`` checks everything once (a bad entry raises FieldMapError naming its
index); ``decode_object`` then never fails on configuration, only on data: a missing path or a
null is skipped, a value that is not a number (or a boolean, or a numeric string) raises
MappingError.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from decoders.errors import DecodeError
from decoders.model import (
    CANONICAL_UNITS,
    METERING_QUANTITIES,
    Alarm,
    AlarmKind,
    DecodedReading,
    Frame,
    Kind,
    Quantity,
)


class MappingError(DecodeError):
    """A decoded object whose mapped field holds something that is not a number."""


class FieldMapError(ValueError):
    """A field map that cannot be used: unknown quantity, unit, kind or alarm, or a malformed entry."""


# Canonical unit -> source unit -> (factor, offset): canonical = source * factor + offset.
_CONVERSIONS: Final[Mapping[str, Mapping[str, tuple[float, float]]]] = MappingProxyType(
    {
        "m3": {
            "m3": (1, 0),
            "m³": (1, 0),
            "L": (0.001, 0),
            "l": (0.001, 0),
            "dm3": (0.001, 0),
            "hL": (0.1, 0),
        },
        "kWh": {"kWh": (1, 0), "Wh": (0.001, 0), "MWh": (1000, 0), "MJ": (1 / 3.6, 0), "GJ": (1000 / 3.6, 0)},
        "kvarh": {"kvarh": (1, 0), "varh": (0.001, 0), "Mvarh": (1000, 0)},
        "W": {"W": (1, 0), "kW": (1000, 0), "MW": (1e6, 0), "mW": (0.001, 0)},
        "VA": {"VA": (1, 0), "kVA": (1000, 0)},
        "A": {"A": (1, 0), "mA": (0.001, 0), "kA": (1000, 0)},
        "V": {"V": (1, 0), "mV": (0.001, 0), "kV": (1000, 0)},
        "Hz": {"Hz": (1, 0)},
        "ratio": {"ratio": (1, 0), "%": (0.01, 0)},
        "Ah": {"Ah": (1, 0), "mAh": (0.001, 0)},
        "m3/h": {"m3/h": (1, 0), "L/h": (0.001, 0), "L/min": (0.06, 0), "L/s": (3.6, 0), "m3/s": (3600, 0)},
        "bar": {
            "bar": (1, 0),
            "mbar": (0.001, 0),
            "Pa": (1e-5, 0),
            "hPa": (0.001, 0),
            "kPa": (0.01, 0),
            "MPa": (10, 0),
        },
        "hPa": {"hPa": (1, 0), "mbar": (1, 0), "Pa": (0.01, 0), "kPa": (10, 0), "bar": (1000, 0)},
        "degC": {"degC": (1, 0), "°C": (1, 0), "C": (1, 0), "K": (1, -273.15), "degF": (5 / 9, -160 / 9)},
        "%": {"%": (1, 0), "%RH": (1, 0), "ratio": (100, 0)},
        "ppm": {"ppm": (1, 0), "ppb": (0.001, 0)},
        "ppb": {"ppb": (1, 0), "ppm": (1000, 0)},
        "lx": {"lx": (1, 0), "lux": (1, 0)},
        "m": {"m": (1, 0), "cm": (0.01, 0), "mm": (0.001, 0), "km": (1000, 0)},
        "dB": {"dB": (1, 0), "dBA": (1, 0), "dB(A)": (1, 0)},
        "count": {"count": (1, 0)},
        "pulses": {"pulses": (1, 0), "count": (1, 0)},
        "state": {"state": (1, 0)},
    }
)
_ENTRY_KEYS = frozenset({"path", "quantity", "unit", "scale", "kind", "channel", "alarm"})


def _default_kind(quantity: Quantity) -> Kind:
    if quantity in METERING_QUANTITIES:
        return Kind.CUMULATIVE
    if CANONICAL_UNITS[quantity] == "state":
        return Kind.STATE
    return Kind.INSTANTANEOUS


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One checked entry: where the value is, and what it becomes (a reading, or an alarm)."""

    path: tuple[str, ...]
    target: Quantity | AlarmKind
    kind: Kind = Kind.STATE
    factor: float = 1.0
    offset: float = 0.0
    channel: str = ""


def _text(entry: Mapping[str, object], key: str, index: int, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise FieldMapError(f"field {index}: {key!r} must be a string, got {value!r}")
    return value


def _scale(entry: Mapping[str, object], where: str) -> float:
    scale = entry.get("scale", 1.0)
    try:
        if isinstance(scale, bool) or not isinstance(scale, int | float):
            raise TypeError
        number = float(scale)
    except (TypeError, OverflowError):
        raise FieldMapError(f"{where}: scale must be a number, got {scale!r}") from None
    if not math.isfinite(number) or number == 0:
        raise FieldMapError(f"{where}: scale must be finite and non-zero, got {scale!r}")
    return number


def _rule(index: int, entry: object) -> FieldRule:
    if not isinstance(entry, Mapping):
        raise FieldMapError(f"field {index}: expected a table of path, quantity, unit..., got {entry!r}")
    unknown = sorted(str(k) for k in entry if k not in _ENTRY_KEYS)
    if unknown:
        raise FieldMapError(f"field {index}: unknown key(s) {unknown}; allowed: {sorted(_ENTRY_KEYS)}")
    path_text = _text(entry, "path", index)
    path = tuple(path_text.split("."))
    if any(not part for part in path):
        raise FieldMapError(f"field {index}: path {path_text!r} is not a dotted path")
    where = f"field {index} ({path_text})"
    channel = _text(entry, "channel", index, "")
    if ("quantity" in entry) == ("alarm" in entry):
        raise FieldMapError(f"{where}: give either a quantity or an alarm")
    if "alarm" in entry:
        name = _text(entry, "alarm", index)
        try:
            alarm = AlarmKind(name)
        except ValueError:
            raise FieldMapError(
                f"{where}: unknown alarm {name!r}; known: {[a.value for a in AlarmKind]}"
            ) from None
        if any(key in entry for key in ("unit", "scale", "kind")):
            raise FieldMapError(f"{where}: an alarm has no unit, scale or kind")
        return FieldRule(path, alarm, channel=channel)
    name = _text(entry, "quantity", index)
    try:
        quantity = Quantity(name)
    except ValueError:
        raise FieldMapError(
            f"{where}: unknown quantity {name!r}; known: {[q.value for q in Quantity]}"
        ) from None
    canonical = CANONICAL_UNITS[quantity]
    units = _CONVERSIONS.get(canonical, {canonical: (1.0, 0.0)})
    unit = _text(entry, "unit", index, canonical)
    if unit not in units:
        raise FieldMapError(f"{where}: unit {unit!r} cannot become {canonical}; known: {sorted(units)}")
    kind_name = _text(entry, "kind", index, _default_kind(quantity).value)
    try:
        kind = Kind(kind_name)
    except ValueError:
        raise FieldMapError(
            f"{where}: unknown kind {kind_name!r}; known: {[k.value for k in Kind]}"
        ) from None
    factor, offset = units[unit]
    return FieldRule(path, quantity, kind, _scale(entry, where) * factor, offset, channel)


@dataclass(frozen=True, slots=True)
class FieldMap:
    """A checked field map for one device profile."""

    rules: tuple[FieldRule, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FieldMap:
        """Check ``{"fields": [entry, ...]}`` (a TOML ``[[fields]]`` list or its JSON equivalent)."""
        if not isinstance(data, Mapping):
            raise FieldMapError(f"a field map is a table with a 'fields' list, got {type(data).__name__}")
        extra = sorted(str(k) for k in data if k != "fields")
        if extra:
            raise FieldMapError(f"unknown key(s) {extra} in the field map; only 'fields' is allowed")
        fields = data.get("fields")
        if not isinstance(fields, Sequence) or isinstance(fields, str | bytes):
            raise FieldMapError("a field map needs a 'fields' list")
        return cls(rules=tuple(_rule(i, entry) for i, entry in enumerate(fields)))


_MISSING = object()


def _index(part: str) -> bool:
    return part.isascii() and part.isdigit()  # ("²".isdigit() too, which int() refuses)


def _lookup(obj: object, path: tuple[str, ...]) -> object:
    node = obj
    for part in path:
        if isinstance(node, Mapping):
            node = node.get(part, _MISSING)
        elif isinstance(node, Sequence) and not isinstance(node, str | bytes) and _index(part):
            index = int(part)
            node = node[index] if index < len(node) else _MISSING
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _number(value: object, where: str) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        number = float(value) if not isinstance(value, int) or abs(value) < 2**1023 else math.inf
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise MappingError(f"{where}: {value!r} is not a number") from None
    else:
        raise MappingError(f"{where}: {type(value).__name__} value is not a number")
    if not math.isfinite(number):
        raise MappingError(f"{where}: {value!r} is not a finite number")
    return number


def decode_object(obj: Mapping[str, object], field_map: FieldMap) -> Frame:
    """Pick the mapped fields out of a network server's decoded object."""
    readings: list[DecodedReading] = []
    alarms: list[Alarm] = []
    for rule in field_map.rules:
        raw = _lookup(obj, rule.path)
        if raw is _MISSING or raw is None:
            continue
        where = ".".join(rule.path)
        number = _number(raw, where)
        if isinstance(rule.target, AlarmKind):
            if number:
                alarms.append(Alarm(rule.target, channel=rule.channel, detail=f"{where} = {raw!r}"))
            continue
        value = number * rule.factor + rule.offset
        if not math.isfinite(value):
            raise MappingError(f"{where}: {raw!r} overflows once converted")
        if rule.kind is Kind.STATE:
            value = 1.0 if value else 0.0
        readings.append(DecodedReading(rule.target, float(f"{value:.12g}"), rule.kind, channel=rule.channel))
    return Frame(readings=tuple(readings), alarms=tuple(alarms))
