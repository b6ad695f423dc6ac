"""Elvaco CMi4140 module for Kamstrup MULTICAL 403/603/803 heat meters, "standard" message (port 2).

Format: Elvaco CMi4140 user manual (payload "standard message", type 0x15) and the TTN Device
Repository codec ``vendor/elvaco/cmi4140.js`` (shared/vectors/FORMATS.md): wired M-Bus style
records (DIF, VIF, little-endian data) for energy, volume, power, flow, flow and return
temperatures, meter serial and error flags. Scalings follow EN 13757-3 VIF tables.
"""

from __future__ import annotations

from decoders._bytes import Reader, require_length
from decoders.errors import BadValue, EncodeError, UnknownFrameType, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "elvaco/cmi4140"
PORT = 2
STANDARD = 0x15
INST = Kind.INSTANTANEOUS


def _scaled(raw: int, exponent: int) -> float:
    """raw x 10^exponent, computed so that decimal values come out exact (no 0.1 x 1000 drift)."""
    return float(raw * 10**exponent) if exponent >= 0 else raw / 10**-exponent


def _bcd(raw: bytes) -> int:
    return int("".join(f"{b:02x}" for b in reversed(raw)))


def decode_cmi4140(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, minimum=40)
    if payload[0] != STANDARD:
        raise UnknownFrameType(f"{MODEL}: message type 0x{payload[0]:02x}; only the standard message (0x15)")
    r = Reader(payload, MODEL)
    r.take(1)
    readings: list[DecodedReading] = []
    alarms: list[Alarm] = []
    info: list[tuple[str, str | int | float | bool]] = []
    while r.remaining:
        dif, vif = r.u8(), r.u8()
        if vif == 0xFD:
            vif = 0xFD00 | r.u8()
        size = {0x02: 2, 0x03: 3, 0x04: 4, 0x0C: 4}.get(dif)
        if size is None:
            raise UnknownFrameType(f"{MODEL}: unsupported DIF 0x{dif:02x}")
        raw = r.take(size)
        value = int.from_bytes(raw, "little")
        if dif == 0x04 and vif <= 0x07:
            readings.append(DecodedReading(Quantity.HEAT_ENERGY, _scaled(value, vif - 6), Kind.CUMULATIVE))
        elif dif == 0x04 and 0x10 <= vif <= 0x17:
            readings.append(DecodedReading(Quantity.HEAT_VOLUME, _scaled(value, vif - 0x16), Kind.CUMULATIVE))
        elif dif == 0x02 and 0x29 <= vif <= 0x2F:
            # kW -> W
            readings.append(DecodedReading(Quantity.POWER, _scaled(value, vif - 0x2E + 3), INST))
        elif dif == 0x02 and 0x39 <= vif <= 0x3F:
            readings.append(DecodedReading(Quantity.FLOW, _scaled(value, vif - 0x3E), INST))
        elif dif == 0x02 and 0x58 <= vif <= 0x5B:
            readings.append(DecodedReading(Quantity.FLOW_TEMPERATURE, _scaled(value, vif - 0x5B), INST))
        elif dif == 0x02 and 0x5C <= vif <= 0x5F:
            readings.append(DecodedReading(Quantity.RETURN_TEMPERATURE, _scaled(value, vif - 0x5F), INST))
        elif dif == 0x0C and vif == 0x78:
            info.append(("meter_serial", _bcd(raw)))
        elif vif == 0xFD17:
            info.append(("error_flags", value))
            if value:
                alarms.append(Alarm(AlarmKind.METER_ERROR, detail=f"meter info code 0x{value:08x}"))
        else:
            raise UnknownFrameType(f"{MODEL}: unsupported record DIF 0x{dif:02x} VIF 0x{vif:02x}")
    if not readings:
        raise BadValue(f"{MODEL}: a standard message without any measurement")
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


def encode_cmi4140(frame: Frame) -> tuple[int, bytes]:
    """A standard message: energy (kWh), volume (0.01 m3), power (0.1 kW), flow, temperatures (0.01)."""
    by_q = {r.quantity: r.value for r in frame.readings}
    wanted = [
        Quantity.HEAT_ENERGY,
        Quantity.HEAT_VOLUME,
        Quantity.POWER,
        Quantity.FLOW,
        Quantity.FLOW_TEMPERATURE,
        Quantity.RETURN_TEMPERATURE,
    ]
    if sorted(by_q) != sorted(wanted) or len(frame.readings) != len(wanted) or frame.alarms:
        raise EncodeError("a CMi4140 message holds energy, volume, power, flow and both temperatures")
    records = [
        (0x04, 0x06, by_q[Quantity.HEAT_ENERGY], 1, 4),
        (0x04, 0x14, by_q[Quantity.HEAT_VOLUME], 0.01, 4),
        (0x02, 0x2D, by_q[Quantity.POWER] / 1000, 0.1, 2),
        (0x02, 0x3C, by_q[Quantity.FLOW], 0.01, 2),
        (0x02, 0x59, by_q[Quantity.FLOW_TEMPERATURE], 0.01, 2),
        (0x02, 0x5D, by_q[Quantity.RETURN_TEMPERATURE], 0.01, 2),
    ]
    body = bytes([STANDARD])
    for dif, vif, value, step, size in records:
        raw = round(value / step)
        if abs(raw * step - value) > 1e-6 or not 0 <= raw < 256**size:
            raise EncodeError(f"value {value} is not on the {step} grid of its record")
        body += bytes([dif, vif]) + raw.to_bytes(size, "little")
    body += bytes([0x0C, 0x78]) + bytes.fromhex("27948179") + bytes([0x04, 0xFD, 0x17]) + bytes(4)
    return PORT, body


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Elvaco CMi4140 for Kamstrup MULTICAL heat meters",
        decode=decode_cmi4140,
        encode=encode_cmi4140,
        quantities=frozenset(
            {
                Quantity.HEAT_ENERGY,
                Quantity.HEAT_VOLUME,
                Quantity.POWER,
                Quantity.FLOW,
                Quantity.FLOW_TEMPERATURE,
                Quantity.RETURN_TEMPERATURE,
            }
        ),
        datasheet="Elvaco CMi4140 user manual (standard message); TTN vendor/elvaco/cmi4140",
        ports=frozenset({PORT}),
    ),
)
