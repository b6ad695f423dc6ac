"""Elsys sensors (ERS CO2, EMS): one parser for the Elsys type-length-value payload.

Format: Elsys "Payload" document (elsys.se, version for firmware 1.x) and the TTN Device
Repository codec ``vendor/elsys/elsys.js``, summarized in shared/vectors/FORMATS.md. A frame is
a sequence of type bytes each followed by a fixed-size big-endian value; every Elsys model sends
the same types, each model a subset of them. An unknown type ends the vendor codec silently; here
it is an error, so no frame is ever half decoded.

The water-leak type (0x12, EMS) is a level 0-255 that is 0 when the contacts are dry; any other
value is reported as water present, with a LEAK alarm.
"""

from __future__ import annotations

from collections.abc import Callable

from decoders._bytes import Reader
from decoders.errors import BadLength, EncodeError, UnknownFrameType
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

PORT = 5  # Elsys default uplink port; the devices can be configured to another one
INST = Kind.INSTANTANEOUS
Info = list[tuple[str, str | int | float | bool]]
Sink = dict[tuple[Quantity, str, Kind], DecodedReading]
Handler = Callable[[Reader, Sink, list[Alarm], Info], None]


def _put(out: Sink, q: Quantity, value: float, kind: Kind = INST, channel: str = "") -> None:
    out[(q, channel, kind)] = DecodedReading(q, value, kind, channel)  # a repeated type: the last one wins


def _value(q: Quantity, read: Callable[[Reader], float], kind: Kind = INST, channel: str = "") -> Handler:
    def handler(r: Reader, out: Sink, _a: list[Alarm], _i: Info) -> None:
        _put(out, q, read(r), kind, channel)

    return handler


def _skip(name: str, size: int) -> Handler:
    def handler(r: Reader, _o: Sink, _a: list[Alarm], info: Info) -> None:
        info.append((name, r.take(size).hex()))

    return handler


def _ir(r: Reader, out: Sink, _a: list[Alarm], _i: Info) -> None:
    _put(out, Quantity.TEMPERATURE, r.s16be() / 10, channel="ir_internal")
    _put(out, Quantity.TEMPERATURE, r.s16be() / 10, channel="ir_external")


def _leak(r: Reader, out: Sink, alarms: list[Alarm], _i: Info) -> None:
    level = r.u8()
    _put(out, Quantity.WATER_LEAK, 1.0 if level else 0.0, Kind.STATE)
    alarms[:] = [a for a in alarms if a.kind is not AlarmKind.LEAK]  # a repeated type: the last one wins
    if level:
        alarms.append(Alarm(AlarmKind.LEAK, detail=f"water detected (level {level})"))


def _sound(r: Reader, out: Sink, _a: list[Alarm], _i: Info) -> None:
    _put(out, Quantity.SOUND_LEVEL, float(r.u8()), channel="peak")
    _put(out, Quantity.SOUND_LEVEL, float(r.u8()), channel="average")


def _external2(r: Reader, out: Sink, _a: list[Alarm], _i: Info) -> None:
    # Several probes on one bus: each occurrence is another probe (external2, external2_2, ...).
    n = sum(1 for q, ch, _k in out if q is Quantity.TEMPERATURE and ch.startswith("external2"))
    _put(out, Quantity.TEMPERATURE, r.s16be() / 10, channel="external2" if n == 0 else f"external2_{n + 1}")


TYPES: dict[int, Handler] = {
    0x01: _value(Quantity.TEMPERATURE, lambda r: r.s16be() / 10),
    0x02: _value(Quantity.HUMIDITY, lambda r: float(r.u8())),
    0x03: _skip("acceleration_xyz", 3),
    0x04: _value(Quantity.ILLUMINANCE, lambda r: float(r.u16be())),
    0x05: _value(Quantity.MOTION_COUNT, lambda r: float(r.u8()), Kind.DELTA),
    0x06: _value(Quantity.CO2, lambda r: float(r.u16be())),
    0x07: _value(Quantity.BATTERY_VOLTAGE, lambda r: r.u16be() / 1000),
    0x08: _value(Quantity.VOLTAGE, lambda r: r.u16be() / 1000, channel="analog1"),
    0x09: _skip("gps", 6),
    0x0A: _value(Quantity.PULSE_COUNT, lambda r: float(r.u16be()), Kind.DELTA, "1"),
    0x0B: _value(Quantity.PULSE_COUNT, lambda r: float(r.u32be()), Kind.CUMULATIVE, "1"),
    0x0C: _value(Quantity.TEMPERATURE, lambda r: r.s16be() / 10, channel="external"),
    0x0D: _value(Quantity.DIGITAL_INPUT, lambda r: float(r.u8() != 0), Kind.STATE),
    0x0E: _value(Quantity.DISTANCE, lambda r: r.u16be() / 1000),
    0x0F: _skip("acceleration_motion", 1),
    0x10: _ir,
    0x11: _value(Quantity.OCCUPANCY, lambda r: float(r.u8() == 2), Kind.STATE),  # 2 = occupied
    0x12: _leak,
    0x13: _skip("grideye", 65),
    0x14: _value(Quantity.PRESSURE, lambda r: r.u32be() / 1000),
    0x15: _sound,
    0x16: _value(Quantity.PULSE_COUNT, lambda r: float(r.u16be()), Kind.DELTA, "2"),
    0x17: _value(Quantity.PULSE_COUNT, lambda r: float(r.u32be()), Kind.CUMULATIVE, "2"),
    0x18: _value(Quantity.VOLTAGE, lambda r: r.u16be() / 1000, channel="analog2"),
    0x19: _external2,
    0x1A: _value(Quantity.DIGITAL_INPUT, lambda r: float(r.u8() != 0), Kind.STATE, "2"),
    0x1B: _value(Quantity.VOLTAGE, lambda r: r.s32be() / 1e6, channel="analog_uv"),
    0x1C: _value(Quantity.TVOC, lambda r: float(r.u16be())),
}


# Every quantity a TLV frame can carry: each model may be configured to send any of the types.
TLV_QUANTITIES = frozenset(
    {
        Quantity.TEMPERATURE,
        Quantity.HUMIDITY,
        Quantity.ILLUMINANCE,
        Quantity.MOTION_COUNT,
        Quantity.CO2,
        Quantity.BATTERY_VOLTAGE,
        Quantity.VOLTAGE,
        Quantity.PULSE_COUNT,
        Quantity.DIGITAL_INPUT,
        Quantity.DISTANCE,
        Quantity.OCCUPANCY,
        Quantity.WATER_LEAK,
        Quantity.PRESSURE,
        Quantity.SOUND_LEVEL,
        Quantity.TVOC,
    }
)


def decode_elsys(model: str, payload: bytes) -> Frame:
    if not payload:
        raise BadLength(f"{model}: empty frame")
    r = Reader(payload, model)
    out: Sink = {}
    alarms: list[Alarm] = []
    info: Info = []
    while r.remaining:
        kind = r.u8()
        handler = TYPES.get(kind)
        if handler is None:
            raise UnknownFrameType(f"{model}: unknown data type 0x{kind:02x} at offset {r.pos - 1}")
        handler(r, out, alarms, info)
    return Frame(readings=tuple(out.values()), alarms=tuple(alarms), info=tuple(info))


def decode_ers_co2(f_port: int, payload: bytes) -> Frame:
    return decode_elsys("elsys/ers-co2", payload)


def decode_ems(f_port: int, payload: bytes) -> Frame:
    return decode_elsys("elsys/ems", payload)


def _grid(value: float, step: float, lo: int, hi: int, what: str) -> int:
    raw = round(value / step)
    if not lo <= raw <= hi or abs(raw * step - value) > 1e-9:
        raise EncodeError(f"{what} {value} is not on the {step} grid within range")
    return raw


# (quantity, channel, kind) -> (type byte, step, min raw, max raw, size, signed)
_Slot = tuple[int, float, int, int, int, bool]
_ENCODE: dict[tuple[Quantity, str, Kind], _Slot] = {
    (Quantity.TEMPERATURE, "", INST): (0x01, 0.1, -32768, 32767, 2, True),
    (Quantity.HUMIDITY, "", INST): (0x02, 1, 0, 100, 1, False),
    (Quantity.ILLUMINANCE, "", INST): (0x04, 1, 0, 0xFFFF, 2, False),
    (Quantity.MOTION_COUNT, "", Kind.DELTA): (0x05, 1, 0, 0xFF, 1, False),
    (Quantity.CO2, "", INST): (0x06, 1, 0, 0xFFFF, 2, False),
    (Quantity.BATTERY_VOLTAGE, "", INST): (0x07, 0.001, 0, 0xFFFF, 2, False),
    (Quantity.PULSE_COUNT, "1", Kind.DELTA): (0x0A, 1, 0, 0xFFFF, 2, False),
    (Quantity.PULSE_COUNT, "1", Kind.CUMULATIVE): (0x0B, 1, 0, 0xFFFF_FFFF, 4, False),
    (Quantity.DIGITAL_INPUT, "", Kind.STATE): (0x0D, 1, 0, 1, 1, False),
    (Quantity.WATER_LEAK, "", Kind.STATE): (0x12, 1, 0, 1, 1, False),
}
_ERS_CO2 = frozenset({0x01, 0x02, 0x04, 0x05, 0x06, 0x07})
_EMS = frozenset({0x01, 0x02, 0x07, 0x0A, 0x0B, 0x0D, 0x12})


def _encode(model: str, types: frozenset[int], frame: Frame) -> tuple[int, bytes]:
    if not frame.readings:
        raise EncodeError(f"an {model} report carries readings")
    out = b""
    wet = False
    for reading in frame.readings:
        slot = _ENCODE.get((reading.quantity, reading.channel, reading.kind))
        if slot is None or slot[0] not in types or reading.at or reading.offset_s is not None:
            raise EncodeError(
                f"{model} does not send {reading.quantity} {reading.channel!r} ({reading.kind})"
            )
        type_byte, step, lo, hi, size, signed = slot
        raw = _grid(reading.value, step, lo, hi, reading.quantity.value)
        wet = wet or (type_byte == 0x12 and raw == 1)
        out += bytes([type_byte]) + raw.to_bytes(size, "big", signed=signed)
    if [(a.kind, a.channel) for a in frame.alarms] != ([(AlarmKind.LEAK, "")] if wet else []):
        raise EncodeError("the only alarm an Elsys report carries is the leak of its water-leak reading")
    return PORT, out


def encode_ers_co2(frame: Frame) -> tuple[int, bytes]:
    """An ERS CO2 report: temperature, humidity, light, motion, CO2, battery (any subset)."""
    return _encode("elsys/ers-co2", _ERS_CO2, frame)


def encode_ems(frame: Frame) -> tuple[int, bytes]:
    """An EMS report: temperature, humidity, battery, door switch, water leak, pulses (any subset)."""
    return _encode("elsys/ems", _EMS, frame)


_DATASHEET = "Elsys Payload document (firmware 1.x); TTN Device Repository vendor/elsys/elsys.js"

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id="elsys/ers-co2",
        name="Elsys ERS CO2 indoor environment sensor",
        decode=decode_ers_co2,
        encode=encode_ers_co2,
        quantities=TLV_QUANTITIES,
        datasheet=f"Elsys ERS CO2 datasheet; {_DATASHEET}",
    ),
    ModelSpec(
        model_id="elsys/ems",
        name="Elsys EMS multi sensor (temperature, humidity, door, water leak, pulses)",
        decode=decode_ems,
        encode=encode_ems,
        quantities=TLV_QUANTITIES,
        datasheet=f"Elsys EMS datasheet; {_DATASHEET}",
    ),
)
