"""M-Bus data records (EN 13757-3) and the OMS transport header (EN 13757-7), shared by the
Elvaco, Kamstrup and Sensus decoders.

A record is a DIF (data length and type, function, storage number) with its DIFEs (storage,
tariff, sub-unit), a VIF with its VIFEs (what the value is and its decimal exponent), then the
data. Binary integers are type B (signed, the most negative value meaning "invalid"), BCD is
type A, dates are types F (CP32), I (CP48) and G (CP16). An inverse compact profile (VIFE 0x13,
Annex F) carries older values as differences back from a base record of the same VIF and
storage number.

Device clocks are read as UTC, as the vendors' own codecs do; a meter set to local time would
place its historical values one or two hours off.
"""

from __future__ import annotations

import calendar
import math
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from decoders._bytes import Reader
from decoders.errors import BadValue, EncodeError, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity

InfoValue = str | int | float | bool
Info = tuple[tuple[str, InfoValue], ...]
ManufacturerHook = Callable[["Record"], tuple[tuple[Alarm, ...], Info]]

FUNCTION_NAMES = ("", "max", "min", "error")
DATE_TIME = 0x6D
DATE = 0x6C
FABRICATION_NO = 0x78
ENHANCED_ID = 0x79
ERROR_FLAGS = 0xFD17
INVERSE_PROFILE = 0x13
# Data bytes by the DIF's data field (0x8 selection, 0xD variable length, 0xF special: not here)
_SIZES = (0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, 0, 6, 0)
_BCD = frozenset({0x9, 0xA, 0xB, 0xC, 0xE})
_PLAIN_VIF_TABLES = frozenset({0xFB, 0xFD, 0xFF})


class Family(Enum):
    """What a measurement VIF measures, before the vendor module picks the releve quantity."""

    ENERGY = "energy"  # kWh (from Wh or J)
    VOLUME = "volume"  # m3
    POWER = "power"  # W
    FLOW = "flow"  # m3/h
    FLOW_TEMPERATURE = "flow_temperature"  # degC
    RETURN_TEMPERATURE = "return_temperature"  # degC
    EXTERNAL_TEMPERATURE = "external_temperature"  # degC


_CUMULATIVE = frozenset({Family.ENERGY, Family.VOLUME})
_KJ_PER_KWH = 3600
_JOULE_VIFS = range(0x08, 0x10)
# (first VIF, last VIF, family, exponent of the first VIF in the family's canonical unit)
_VIF_RANGES = (
    (0x00, 0x07, Family.ENERGY, -6),  # 0.001 Wh .. 10 kWh
    (0x08, 0x0F, Family.ENERGY, 0),  # J .. 10 MJ, in kJ here (see _KJ_PER_KWH)
    (0x10, 0x17, Family.VOLUME, -6),  # 1 cm3 .. 10 m3
    (0x28, 0x2F, Family.POWER, -3),  # mW .. 10 kW
    (0x38, 0x3F, Family.FLOW, -6),
    (0x58, 0x5B, Family.FLOW_TEMPERATURE, -3),
    (0x5C, 0x5F, Family.RETURN_TEMPERATURE, -3),
    (0x64, 0x67, Family.EXTERNAL_TEMPERATURE, -3),
)


@dataclass(frozen=True, slots=True)
class Record:
    """One data record. ``code`` is the primary VIF (0x00-0x7F) or, for the extension tables,
    the table byte and the first VIFE (0xFD17); ``extensions`` are the further VIFEs."""

    data_field: int
    function: int
    storage: int
    tariff: int
    code: int
    extensions: tuple[int, ...]
    raw: bytes


def measurement(code: int) -> tuple[Family, int] | None:
    """The family of a measurement VIF and the decimal exponent to its canonical unit (for
    energy in joules, to kJ: ``value`` divides by 3600 to give kWh)."""
    for first, last, family, exponent in _VIF_RANGES:
        if first <= code <= last:
            return family, exponent + code - first - (3 if code in _JOULE_VIFS else 0)
    return None


def value(raw: int | float, code: int, exponent: int) -> float:
    """A record's number in its family's canonical unit."""
    result = scaled(raw, exponent) if isinstance(raw, int) else raw * 10.0**exponent
    return result / _KJ_PER_KWH if code in _JOULE_VIFS else result


def scaled(raw: int, exponent: int) -> float:
    """raw x 10^exponent, computed so that decimal values come out exact (no 0.1 x 1000 drift)."""
    return float(raw * 10**exponent) if exponent >= 0 else raw / 10**-exponent


def bcd(raw: bytes) -> int | None:
    """A little-endian BCD number (type A), or None when a nibble is not a digit."""
    digits = "".join(f"{b:02x}" for b in reversed(raw))
    return int(digits) if digits.isdigit() else None


def number(record: Record) -> int | float | None:
    """The record's value as a number, or None for the format's "invalid" value."""
    if record.data_field in _BCD:
        return bcd(record.raw)
    if record.data_field == 0x5:
        value = float(struct.unpack("<f", record.raw)[0])
        return None if math.isnan(value) or math.isinf(value) else value
    if record.data_field in (0x1, 0x2, 0x3, 0x4, 0x6, 0x7):
        value_int = int.from_bytes(record.raw, "little", signed=True)
        return None if value_int == -(1 << (8 * len(record.raw) - 1)) else value_int
    raise UnknownFrameType(f"M-Bus: a record without a numeric value (DIF data field {record.data_field:x})")


def parse_records(data: bytes, what: str) -> tuple[Record, ...]:
    """Every record of an application-layer body; idle fillers (0x2F) are skipped."""
    r = Reader(data, what)
    records: list[Record] = []
    while r.remaining:
        dif = r.u8()
        if dif == 0x2F:
            continue
        if dif & 0x0F == 0x0F or dif & 0x0F == 0x08:
            raise UnknownFrameType(f"{what}: special DIF 0x{dif:02x} is not supported")
        storage, tariff, shift, tshift = (dif >> 6) & 1, 0, 1, 0
        ext = dif
        while ext & 0x80:
            ext = r.u8()
            storage |= (ext & 0x0F) << shift
            tariff |= ((ext >> 4) & 0x03) << tshift
            shift, tshift = shift + 4, tshift + 2
        vifs = [r.u8()]
        while vifs[-1] & 0x80:
            vifs.append(r.u8())
        if vifs[0] in _PLAIN_VIF_TABLES:
            code, extensions = (vifs[0] << 8) | (vifs[1] & 0x7F), tuple(v & 0x7F for v in vifs[2:])
        elif vifs[0] & 0x7F in (0x7C, 0x7E):
            raise UnknownFrameType(f"{what}: VIF 0x{vifs[0]:02x} (plain text or any VIF) is not supported")
        else:
            code, extensions = vifs[0] & 0x7F, tuple(v & 0x7F for v in vifs[1:])
        field = dif & 0x0F
        if field == 0xD:
            length = r.u8()
            if length > 0xBF:
                raise UnknownFrameType(f"{what}: variable-length data of type 0x{length:02x}")
            raw = r.take(length)
        else:
            raw = r.take(_SIZES[field])
        records.append(Record(field, (dif >> 4) & 0x03, storage, tariff, code, extensions, raw))
    return tuple(records)


def timestamp(record: Record) -> datetime | None:
    """A date/time record (types F, I or G) as UTC, or None when the device marks it invalid."""
    raw = record.raw
    try:
        if record.code == DATE_TIME and len(raw) == 4:
            v = int.from_bytes(raw, "little")
            if v & 0x80:
                return None
            year = 1900 + 100 * ((v >> 13) & 0x03) + ((v >> 21) & 0x07) + (((v >> 28) & 0x0F) << 3)
            return datetime(year, (v >> 24) & 0x0F, (v >> 16) & 0x1F, (v >> 8) & 0x1F, v & 0x3F, tzinfo=UTC)
        if record.code == DATE_TIME and len(raw) == 6:
            if raw[1] & 0x80:
                return None
            year = 2000 + ((raw[3] >> 5) & 0x07) + (((raw[4] >> 4) & 0x0F) << 3)
            return datetime(
                year, raw[4] & 0x0F, raw[3] & 0x1F, raw[2] & 0x1F, raw[1] & 0x3F, raw[0] & 0x3F, tzinfo=UTC
            )
        if record.code == DATE and len(raw) == 2:
            v = int.from_bytes(raw, "little")
            if v == 0xFFFF:
                return None
            year = 2000 + ((v >> 5) & 0x07) + (((v >> 12) & 0x0F) << 3)
            return datetime(year, (v >> 8) & 0x0F, v & 0x1F, tzinfo=UTC)
    except ValueError as exc:
        raise BadValue(f"M-Bus: impossible date/time {raw.hex()}") from exc
    raise BadValue(f"M-Bus: date/time VIF 0x{record.code:02x} with {len(raw)} data bytes")


def encode_datetime(at: datetime) -> bytes:
    """Type F (CP32) for a UTC time on a whole minute of 2000-2099."""
    at = at.astimezone(UTC)
    if not 2000 <= at.year <= 2099 or at.second or at.microsecond:
        raise EncodeError("the meter clock carries whole minutes of 2000-2099")
    y = at.year - 2000
    v = at.minute | at.hour << 8 | 1 << 13 | at.day << 16 | (y & 0x07) << 21 | at.month << 24 | (y >> 3) << 28
    return v.to_bytes(4, "little")


@dataclass(frozen=True, slots=True)
class Profile:
    """An inverse compact profile: values going back in time from the base record."""

    mode: int  # 0 absolute, 1 increments, 2 decrements, 3 signed differences
    step: timedelta | None  # None when the spacing is in months
    months: int
    values: tuple[int | None, ...]

    def back(self, at: datetime, n: int) -> datetime:
        """The time ``n`` steps before ``at``."""
        if self.step is not None:
            return at - n * self.step
        month = at.year * 12 + at.month - 1 - n * self.months
        year, month0 = divmod(month, 12)
        day = min(at.day, calendar.monthrange(year, month0 + 1)[1])
        return at.replace(year=year, month=month0 + 1, day=day)


def inverse_profile(record: Record, what: str) -> Profile:
    raw = record.raw
    if len(raw) < 3:
        raise BadValue(f"{what}: an inverse compact profile needs a header and one value")
    control, spacing = raw[0], raw[1]
    size, unit, mode = control & 0x0F, (control >> 4) & 0x03, control >> 6
    if size not in (1, 2, 3, 4, 6) or (len(raw) - 2) % size:
        raise BadValue(f"{what}: inverse compact profile with {len(raw) - 2} bytes of {size}-byte values")
    step: timedelta | None = None
    months = 0
    if 0 < spacing < 251:
        step = timedelta(seconds=spacing * (1, 60, 3600, 86400)[unit])
    elif spacing == 254 and unit:
        months = (6, 3, 1)[unit - 1]
    else:
        raise BadValue(f"{what}: inverse compact profile spacing {spacing} (unit {unit})")
    values: list[int | None] = []
    for i in range(2, len(raw), size):
        chunk = raw[i : i + size]
        signed = mode == 3
        value = int.from_bytes(chunk, "little", signed=signed)
        invalid = -(1 << (8 * size - 1)) if signed else (1 << (8 * size)) - 1
        values.append(None if value == invalid else value)
    return Profile(mode, step, months, tuple(values))


def split_transport(payload: bytes, what: str) -> tuple[int | None, bytes, Info]:
    """The OMS transport header: CI 0x78 (none), 0x7A (short) or 0x72 (long).

    Returns the status byte (None without a header), the application-layer body and facts from
    the header. An encrypted body (security mode other than 0) is refused.
    """
    r = Reader(payload, what)
    ci = r.u8()
    info: list[tuple[str, InfoValue]] = []
    if ci == 0x78:
        return None, payload[1:], ()
    if ci == 0x72:
        ident = bcd(r.take(4))
        manufacturer = r.u16le()
        version, device = r.u8(), r.u8()
        letters = "".join(chr(64 + ((manufacturer >> s) & 0x1F)) for s in (10, 5, 0))
        info += [("meter_id", ident if ident is not None else -1), ("manufacturer", letters)]
        info += [("version", version), ("device_type", device)]
    elif ci != 0x7A:
        raise UnknownFrameType(f"{what}: CI field 0x{ci:02x} is not an OMS application frame")
    access, status, config = r.u8(), r.u8(), r.u16le()
    if config & 0x1F00:
        raise BadValue(f"{what}: encrypted frame (security mode {(config >> 8) & 0x1F}); no key here")
    info += [("access_no", access), ("status", status)]
    return status, payload[r.pos :], tuple(info)


def status_alarms(status: int | None) -> tuple[Alarm, ...]:
    """Alarms of the OMS status byte (bits 0-1 application error, 2 power low, 3-4 errors)."""
    if not status:
        return ()
    out: list[Alarm] = []
    if status & 0x03 in (0x02, 0x03):
        out.append(Alarm(AlarmKind.METER_ERROR, detail=f"application error (status 0x{status:02x})"))
    if status & 0x04:
        out.append(Alarm(AlarmKind.LOW_BATTERY, detail="power low"))
    if status & 0x08:
        out.append(Alarm(AlarmKind.METER_ERROR, detail="permanent error"))
    if status & 0x10:
        out.append(Alarm(AlarmKind.METER_ERROR, detail="temporary error"))
    return tuple(out)


def to_frame(
    records: Iterable[Record],
    quantities: Mapping[Family, Quantity],
    what: str,
    *,
    manufacturer: ManufacturerHook | None = None,
    alarms: Iterable[Alarm] = (),
    info: Info = (),
) -> Frame:
    """Readings, alarms and facts of a record list.

    Current values (storage 0) are read at reception; stored values (storage n > 0) at the time
    of the date record with the same storage number. Minimum and maximum values go to ``info``;
    a value "during error state" and the format's invalid value become alarms, never numbers.
    """
    records = tuple(records)
    out_alarms, out_info = list(alarms), list(info)
    readings: list[DecodedReading] = []
    times: dict[int, datetime | None] = {}
    for rec in records:
        if rec.code in (DATE, DATE_TIME) and not rec.extensions:
            at = timestamp(rec)
            times[rec.storage] = at
            if at is None:
                out_alarms.append(
                    Alarm(AlarmKind.CLOCK_ERROR, detail=f"invalid date (storage {rec.storage})")
                )
            elif rec.storage == 0:
                out_info.append(("device_time", at.isoformat()))
    for rec in records:
        if rec.code in (DATE, DATE_TIME) and not rec.extensions:
            continue
        if rec.code in (FABRICATION_NO, ENHANCED_ID) and not rec.extensions:
            serial = bcd(rec.raw[:4]) if rec.data_field in _BCD or rec.code == ENHANCED_ID else number(rec)
            out_info.append(("meter_serial", serial if serial is not None else -1))
            continue
        if rec.code == ERROR_FLAGS and not rec.extensions:
            flags = int.from_bytes(rec.raw, "little")
            out_info.append(("error_flags", flags))
            if flags:
                out_alarms.append(Alarm(AlarmKind.METER_ERROR, detail=f"error flags 0x{flags:x}"))
            continue
        if rec.code >> 8 == 0xFF and manufacturer is not None:
            more_alarms, more_info = manufacturer(rec)
            out_alarms += more_alarms
            out_info += more_info
            continue
        found = measurement(rec.code)
        quantity = quantities.get(found[0]) if found else None
        if found is None or quantity is None:
            raise UnknownFrameType(
                f"{what}: record with VIF 0x{rec.code:02x} is not a quantity of this meter"
            )
        family, exponent = found
        if rec.extensions == (INVERSE_PROFILE,):
            readings += _profile(rec, records, times, quantity, exponent, what)
            continue
        if rec.extensions:
            raise UnknownFrameType(f"{what}: VIF 0x{rec.code:02x} with VIFE {rec.extensions}")
        name = FUNCTION_NAMES[rec.function]
        if rec.function == 3:
            out_alarms.append(Alarm(AlarmKind.METER_ERROR, detail=f"{quantity} during error state"))
            continue
        raw = number(rec)
        if raw is None:
            detail = f"{name} {quantity}".strip() + ": invalid value"
            out_alarms.append(Alarm(AlarmKind.SENSOR_FAULT, detail=detail))
            continue
        if rec.function:
            out_info.append((f"{name}_{quantity}", value(raw, rec.code, exponent)))
            continue
        at = None
        if rec.storage:
            if rec.storage not in times:
                raise BadValue(f"{what}: stored value (storage {rec.storage}) without its date")
            at = times[rec.storage]
            if at is None:
                continue
        kind = Kind.CUMULATIVE if family in _CUMULATIVE else Kind.INSTANTANEOUS
        channel = f"T{rec.tariff}" if rec.tariff else ""
        readings.append(DecodedReading(quantity, value(raw, rec.code, exponent), kind, channel, at=at))
    return Frame(readings=tuple(readings), alarms=tuple(out_alarms), info=tuple(out_info))


def _profile(
    rec: Record,
    records: tuple[Record, ...],
    times: Mapping[int, datetime | None],
    quantity: Quantity,
    exponent: int,
    what: str,
) -> list[DecodedReading]:
    base = next(
        (
            b
            for b in records
            if b.code == rec.code
            and not b.extensions
            and b.function == 0
            and (b.storage, b.tariff) == (rec.storage, rec.tariff)
        ),
        None,
    )
    if base is None:
        raise BadValue(f"{what}: a profile without its base value")
    if rec.storage not in times:
        raise BadValue(f"{what}: a profile without the date of its base value")
    at, current = times[rec.storage], number(base)
    profile = inverse_profile(rec, what)
    if at is None or current is None:
        return []  # the base's invalid value or date is already an alarm
    found = measurement(rec.code)
    kind = Kind.CUMULATIVE if found and found[0] in _CUMULATIVE else Kind.INSTANTANEOUS
    channel = f"T{rec.tariff}" if rec.tariff else ""
    out: list[DecodedReading] = []
    for n, step in enumerate(profile.values, start=1):
        if step is None:
            break  # older values cannot be derived past an invalid one
        if profile.mode == 0:
            current = step
        elif profile.mode == 2:
            current += step
        else:
            current -= step
        out.append(
            DecodedReading(
                quantity, value(current, rec.code, exponent), kind, channel, at=profile.back(at, n)
            )
        )
    return out
