"""Talkpool sensors: OY1210 CO2 meter and OY1320 water meter reader (AMR for B Meters GMDM-RFM).

OY1210 (port 2, 5 bytes): Talkpool OY1210 payload description and the TTN Device Repository codec
``vendor/talkpool/oy1210.js``: two 12-bit values share byte 2 (temperature raw / 10 - 80 degC,
humidity raw / 10 - 25 %), then CO2 in ppm as a big-endian 16-bit value.

OY1320 (port 2, 6 or 9 bytes): Talkpool's register protocol, as in the TTN codec
``vendor/talkpool/oy1320.js`` and Talkpool's command list for its B Meters readers (OY1410
manual, "Commands"): each record is an operation byte (0x01), a register index and its value.
Register 0x21 is the meter reading, a u32 in litres (Talkpool's own integration scales it by
0.001 to m3); register 0x20 is the alarm status byte, read with the OY1410's bit meanings
(bit 0 reset detected, bit 1 fraud detected); other set bits are reported as a meter error.
"""

from __future__ import annotations

from decoders._bytes import Reader, require_length
from decoders.errors import BadLength, BadValue, UnknownFrameType, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

PORT = 2
OY1320 = "talkpool/oy1320"


def decode_oy1210(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort("talkpool/oy1210", f_port)
    require_length(payload, "talkpool/oy1210", exact=5)
    temperature = ((payload[0] << 4) | (payload[2] >> 4)) / 10 - 80
    humidity = ((payload[1] << 4) | (payload[2] & 0x0F)) / 10 - 25
    return Frame(
        readings=(
            DecodedReading(Quantity.TEMPERATURE, round(temperature, 1), Kind.INSTANTANEOUS),
            DecodedReading(Quantity.HUMIDITY, round(humidity, 1), Kind.INSTANTANEOUS),
            DecodedReading(Quantity.CO2, float(int.from_bytes(payload[3:5], "big")), Kind.INSTANTANEOUS),
        )
    )


_REGISTER_SIZES = {0x21: 4, 0x20: 1}


def decode_oy1320(f_port: int, payload: bytes) -> Frame:
    """A meter reading (register 0x21), optionally followed by the alarm status (register 0x20)."""
    if f_port != PORT:
        raise UnsupportedPort(OY1320, f_port)
    if len(payload) not in (6, 9):
        raise BadLength(f"{OY1320}: expected 6 or 9 bytes, got {len(payload)}")
    r = Reader(payload, OY1320)
    registers: dict[int, int] = {}
    while r.remaining:
        operation, index = r.u8(), r.u8()
        size = _REGISTER_SIZES.get(index)
        if operation != 0x01 or size is None:
            raise UnknownFrameType(f"{OY1320}: record {operation:02x} {index:02x} is not a report")
        if index in registers:
            raise BadValue(f"{OY1320}: register 0x{index:02x} twice in one frame")
        registers[index] = r.uint(size)
    if 0x21 not in registers:
        raise UnknownFrameType(f"{OY1320}: the frame carries no meter reading")
    reading = DecodedReading(Quantity.WATER_VOLUME, registers[0x21] / 1000, Kind.CUMULATIVE)  # L -> m3
    status = registers.get(0x20, 0)
    alarms: list[Alarm] = []
    if status & 0x02:
        alarms.append(Alarm(AlarmKind.TAMPER, detail="fraud detected"))
    if status & ~0x03:
        alarms.append(Alarm(AlarmKind.METER_ERROR, detail=f"alarm status 0x{status:02x}"))
    info = (("status", status), ("reset_detected", bool(status & 0x01))) if 0x20 in registers else ()
    return Frame(readings=(reading,), alarms=tuple(alarms), info=info)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id="talkpool/oy1210",
        name="Talkpool OY1210 CO2 meter",
        decode=decode_oy1210,
        quantities=frozenset({Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.CO2}),
        datasheet="Talkpool OY1210 payload description; TTN Device Repository vendor/talkpool/oy1210",
        ports=frozenset({PORT}),
    ),
    ModelSpec(
        model_id=OY1320,
        name="Talkpool OY1320 water meter reader (B Meters GMDM-RFM)",
        decode=decode_oy1320,
        quantities=frozenset({Quantity.WATER_VOLUME}),
        datasheet="Talkpool OY1320 / OY1410 manuals (register protocol); TTN vendor/talkpool/oy1320.js",
        ports=frozenset({PORT}),
    ),
)
