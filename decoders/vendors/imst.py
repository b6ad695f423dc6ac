"""IMST iO-KE868: LoRaWAN optical (infrared) reader for electricity smart meters (SML / IEC 62056-21).

Source: IMST iO-KE868 / iO881A payload description as implemented by the TTN Device Repository
codec ``vendor/imst/ioke868.js`` (v1.1) and its examples in ``ioke868-codec.yaml``.

Port 5 carries meter data as type-length-value fields (type byte, length byte, ``length`` data
bytes): 0x00 status (info byte: input protocol and meter type; status byte: 0 ok, 1 no input,
2 file error, 3 file incomplete, 4 meter id mismatch), 0x01 device time (u32 big-endian UNIX
seconds), 0x10 meter id (ASCII), and OBIS objects: 0x40 with unit, 0x41 without unit, 0x42 as a
string. An object starts with a group mask (bits 7..2 say which OBIS groups A..F follow), the
OBIS bytes, then for 0x40 a DLMS unit code, for 0x40/0x41 a signed decimal scaler and a
big-endian mantissa (the rest of the field, 1 to 9 bytes: the v1.1 format sends 9 for an object
with unit, an SML 64-bit value behind a sign byte), for 0x42 an ASCII value such as
``000123.456*kWh``.

OBIS codes of electricity (A = 1) become readings: C.8.E energy indexes (1 import, 2 export,
3/4 reactive import/export; tariff E > 0 -> channel ``T<E>``), C.7 instantaneous values (1 and
16 active power, 21/41/61 and 36/56/76 active power per phase, 31/51/71 current, 32/52/72
voltage, 14 frequency, 13 power factor). A value is only converted when its unit is known from
the frame (the DLMS unit code, or the ``*unit`` of a string): a unit-less object and any other
OBIS code goes to ``info`` as ``obis <code>``, never guessed. Mantissas of power are two's
complement (SML signs them; negative = export), other mantissas unsigned.

Port 3 is the device status (system time, firmware, counters, status bits), all ``info``.
Ports 0x45 and 0x43 are the same frames split in segments: the first byte (segment header) is
dropped and the segment decoded on its own; a field cut by the segmentation raises BadLength.
The device time of a meter-data frame is reported in ``info``; readings are placed at reception.
"""

from __future__ import annotations

from datetime import UTC, datetime

from decoders._bytes import Reader, require_length
from decoders.errors import BadValue, UnsupportedPort
from decoders.model import CANONICAL_UNITS, Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "imst/ioke868"
STATUS_PORT = 3
METER_PORT = 5
SEGMENTED = 0x40
MANTISSA_MAX = 9  # bytes of an object's value field (v1.1 sends 9 for an object with unit)

Info = list[tuple[str, str | int | float | bool]]

# DLMS unit codes of electricity metering (IEC 62056-62)
_DLMS_UNITS: dict[int, str] = {27: "W", 28: "VA", 29: "var", 30: "Wh", 32: "varh", 33: "A", 35: "V", 44: "Hz"}
# Source unit -> canonical unit and factor
_TO_CANONICAL: dict[str, tuple[str, float]] = {
    "W": ("W", 1.0),
    "kW": ("W", 1000.0),
    "Wh": ("kWh", 0.001),
    "kWh": ("kWh", 1.0),
    "MWh": ("kWh", 1000.0),
    "varh": ("kvarh", 0.001),
    "kvarh": ("kvarh", 1.0),
    "A": ("A", 1.0),
    "V": ("V", 1.0),
    "kV": ("V", 1000.0),
    "Hz": ("Hz", 1.0),
}
_ENERGY = {1: Quantity.ENERGY_IMPORT, 2: Quantity.ENERGY_EXPORT}
_ENERGY |= {3: Quantity.REACTIVE_ENERGY_IMPORT, 4: Quantity.REACTIVE_ENERGY_EXPORT}
_INSTANT: dict[int, tuple[Quantity, str]] = {
    1: (Quantity.POWER, ""),
    16: (Quantity.POWER, ""),
    21: (Quantity.POWER, "L1"),
    41: (Quantity.POWER, "L2"),
    61: (Quantity.POWER, "L3"),
    36: (Quantity.POWER, "L1"),
    56: (Quantity.POWER, "L2"),
    76: (Quantity.POWER, "L3"),
    31: (Quantity.CURRENT, "L1"),
    51: (Quantity.CURRENT, "L2"),
    71: (Quantity.CURRENT, "L3"),
    32: (Quantity.VOLTAGE, "L1"),
    52: (Quantity.VOLTAGE, "L2"),
    72: (Quantity.VOLTAGE, "L3"),
    14: (Quantity.FREQUENCY, ""),
    13: (Quantity.POWER_FACTOR, ""),
}
_STATUS_TEXT = {1: "no input", 2: "input file error", 3: "input file incomplete", 4: "meter id mismatch"}


def _obis(mask: int, groups: bytes) -> tuple[tuple[int | None, ...], str]:
    values: list[int | None] = []
    it = iter(groups)
    for bit in range(7, 1, -1):
        values.append(next(it) if mask >> bit & 1 else None)
    a, b, c, d, e, f = (str(v) if v is not None else "X" for v in values)
    return tuple(values), f"{a}-{b}:{c}.{d}.{e}*{f}"


def _target(obis: tuple[int | None, ...]) -> tuple[Quantity, Kind, str] | None:
    a, _, c, d, e, _ = obis
    if a != 1 or c is None or d is None:
        return None
    if d == 8 and c in _ENERGY:
        return _ENERGY[c], Kind.CUMULATIVE, f"T{e}" if e else ""
    if d == 7 and c in _INSTANT:
        quantity, channel = _INSTANT[c]
        return quantity, Kind.INSTANTANEOUS, channel
    return None


def _string_value(text: str) -> tuple[float, str] | None:
    number, _, unit = text.partition("*")
    try:
        value = float(number)
    except ValueError:
        return None
    return (value, unit) if number.strip() and value == value and abs(value) != float("inf") else None


def _object(field_type: int, data: bytes, readings: list[DecodedReading], info: Info) -> None:
    r = Reader(data, f"{MODEL} OBIS object")
    mask = r.u8()
    obis, code = _obis(mask, r.take(bin(mask & 0xFC).count("1")))
    target = _target(obis)
    unit: str | None = None
    if field_type == 0x42:
        text = r.take(r.remaining).decode("ascii", errors="replace")
        parsed = _string_value(text)
        if parsed is None:
            info.append((f"obis {code}", text))
            return
        value, unit = parsed
        unit = unit or None
    else:
        if field_type == 0x40:
            unit_code = r.u8()
            unit = _DLMS_UNITS.get(unit_code, f"dlms unit {unit_code}")
        scaler = r.s8()
        if not 0 < r.remaining <= MANTISSA_MAX:
            raise BadValue(f"{MODEL}: OBIS {code} has a {r.remaining}-byte mantissa")
        signed = target is not None and target[0] is Quantity.POWER
        mantissa = r.sint(r.remaining) if signed else r.uint(r.remaining)
        value = mantissa / 10**-scaler if scaler < 0 else float(mantissa * 10**scaler)
    if target is None:
        info.append((f"obis {code}", f"{value:g} {unit or ''}".strip()))
        return
    quantity, kind, channel = target
    factor = 1.0  # a power factor is a ratio whatever unit code it comes with
    if quantity is not Quantity.POWER_FACTOR:
        conversion = _TO_CANONICAL.get(unit) if unit else None
        if conversion is None or conversion[0] != CANONICAL_UNITS[quantity]:
            info.append((f"obis {code}", f"{value:g} {unit or ''}".strip()))
            return
        factor = conversion[1]
    readings.append(DecodedReading(quantity, round(value * factor, 10), kind, channel=channel))


def _meter_data(payload: bytes) -> Frame:
    r = Reader(payload, MODEL)
    readings: list[DecodedReading] = []
    alarms: list[Alarm] = []
    info: Info = []
    while r.remaining:
        field_type, length = r.u8(), r.u8()
        data = r.take(length)
        if field_type == 0x00:
            require_length(data, f"{MODEL} status field", minimum=2)
            info.append(("input_info", data[0]))
            info.append(("input_status", data[1]))
            if data[1]:
                detail = _STATUS_TEXT.get(data[1], f"status {data[1]}")
                alarms.append(Alarm(AlarmKind.SENSOR_FAULT, detail=f"optical input: {detail}"))
        elif field_type == 0x01:
            require_length(data, f"{MODEL} time field", exact=4)
            device_time = datetime.fromtimestamp(int.from_bytes(data, "big"), UTC)
            info.append(("device_time", device_time.isoformat()))
        elif field_type == 0x10:
            info.append(("meter_id", data.decode("ascii", errors="replace")))
        elif field_type in (0x40, 0x41, 0x42):
            _object(field_type, data, readings, info)
        else:
            info.append(("unknown_field", f"0x{field_type:02x}"))
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


def _status(payload: bytes) -> Frame:
    require_length(payload, f"{MODEL} status", minimum=28)
    r = Reader(payload, MODEL)
    system_time = r.u32le()
    minor, major = r.u8(), r.u8()
    last_sync = r.u32le()
    resets = r.u32le()
    bits = r.u16le()
    good, bad, uploaded = r.u32le(), r.u32le(), r.u32le()
    return Frame(
        info=(
            ("system_time", datetime.fromtimestamp(system_time, UTC).isoformat()),
            ("firmware_version", f"{major}.{minor}"),
            ("last_sync_time", datetime.fromtimestamp(last_sync, UTC).isoformat()),
            ("reset_counter", resets),
            ("status_bits", bits),
            ("lorawan_activated", not bits & 0x01),
            ("network_time_synchronized", not bits & 0x02),
            ("system_time_synchronized", not bits & 0x04),
            ("meter_files_ok", good),
            ("meter_files_bad", bad),
            ("meter_messages_uploaded", uploaded),
        )
    )


def decode_ioke868(f_port: int, payload: bytes) -> Frame:
    port = f_port & ~SEGMENTED
    if f_port not in (STATUS_PORT, METER_PORT, STATUS_PORT | SEGMENTED, METER_PORT | SEGMENTED):
        raise UnsupportedPort(MODEL, f_port)
    if f_port & SEGMENTED:
        require_length(payload, f"{MODEL} segment", minimum=1)
        payload = payload[1:]
    return _status(payload) if port == STATUS_PORT else _meter_data(payload)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="IMST iO-KE868 optical reader for electricity meters",
        decode=decode_ioke868,
        quantities=frozenset(
            {
                Quantity.ENERGY_IMPORT,
                Quantity.ENERGY_EXPORT,
                Quantity.REACTIVE_ENERGY_IMPORT,
                Quantity.REACTIVE_ENERGY_EXPORT,
                Quantity.POWER,
                Quantity.CURRENT,
                Quantity.VOLTAGE,
                Quantity.FREQUENCY,
                Quantity.POWER_FACTOR,
            }
        ),
        datasheet="IMST iO-KE868 payload description; TTN vendor/imst/ioke868.js (v1.1)",
        version="2",
        ports=frozenset({STATUS_PORT, METER_PORT, STATUS_PORT | SEGMENTED, METER_PORT | SEGMENTED}),
    ),
)
