"""TEKTELIC BREEZE CO2 smart room sensor (T00078xx).

Format: TEKTELIC BREEZE Sensor Technical Reference Manual and the TTN Device Repository codec
``vendor/tektelic/decoder_smart_room_sensor_co2.js``. Measurements come on port 10 as a sequence
of two-byte headers (channel id, type id) each followed by a fixed-size big-endian value. Port 100
carries configuration register read-backs and port 101 the result of configuration downlinks:
both decode to information only.

The motion event count is read as the PIR events counted since the previous report (the sensor
reports it with the motion state, after its grace period).
"""

from __future__ import annotations

from collections.abc import Callable

from decoders._bytes import Reader, require_length
from decoders.errors import UnknownFrameType, UnsupportedPort
from decoders.model import DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "tektelic/t00078xx-smart-room-sensor-co2"
MEASUREMENT_PORT = 10
CONFIG_PORT = 100
DOWNLINK_RESULT_PORT = 101
INST = Kind.INSTANTANEOUS

# (channel id, type id) -> (quantity, kind, releve channel, value reader)
_Field = tuple[Quantity, Kind, str, Callable[[Reader], float]]
FIELDS: dict[tuple[int, int], _Field] = {
    (0x00, 0xBA): (Quantity.BATTERY_VOLTAGE, INST, "", lambda r: r.u16be() / 1000),  # mV -> V
    (0x00, 0xD3): (Quantity.BATTERY_LEVEL, INST, "", lambda r: float(r.u8())),
    (0x11, 0xD3): (Quantity.BATTERY_LEVEL, INST, "display", lambda r: float(r.u8())),
    (0x0B, 0xE4): (Quantity.CO2, INST, "", lambda r: float(r.u16be())),  # filtered
    (0x0E, 0xE4): (Quantity.CO2, INST, "raw", lambda r: float(r.u16be())),
    (0x0C, 0x73): (Quantity.PRESSURE, INST, "", lambda r: r.u16be() / 10),  # 0.1 hPa
    (0x0A, 0x00): (Quantity.OCCUPANCY, Kind.STATE, "", lambda r: float(r.u8() != 0)),
    (0x0D, 0x04): (Quantity.MOTION_COUNT, Kind.DELTA, "", lambda r: float(r.u16be())),
    (0x03, 0x67): (Quantity.TEMPERATURE, INST, "", lambda r: r.s16be() / 10),
    (0x04, 0x68): (Quantity.HUMIDITY, INST, "", lambda r: r.u8() / 2),  # 0.5 %
}


def decode_breeze_co2(f_port: int, payload: bytes) -> Frame:
    if f_port in (CONFIG_PORT, DOWNLINK_RESULT_PORT):
        require_length(payload, MODEL, minimum=1)
        name = "configuration" if f_port == CONFIG_PORT else "downlink_result"
        return Frame(info=(("frame", name), ("payload", payload.hex())))
    if f_port != MEASUREMENT_PORT:
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, minimum=3)
    r = Reader(payload, MODEL)
    out: dict[tuple[Quantity, str], DecodedReading] = {}
    while r.remaining:
        header = (r.u8(), r.u8())
        field = FIELDS.get(header)
        if field is None:
            raise UnknownFrameType(
                f"{MODEL}: unknown field {header[0]:02x} {header[1]:02x} at offset {r.pos - 2}"
            )
        quantity, kind, channel, read = field
        out[(quantity, channel)] = DecodedReading(quantity, read(r), kind, channel)  # a repeat: last wins
    return Frame(readings=tuple(out.values()))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="TEKTELIC BREEZE CO2 smart room sensor",
        decode=decode_breeze_co2,
        quantities=frozenset({f[0] for f in FIELDS.values()}),
        datasheet="TEKTELIC BREEZE Technical Reference Manual; TTN decoder_smart_room_sensor_co2.js",
        ports=frozenset({MEASUREMENT_PORT, CONFIG_PORT, DOWNLINK_RESULT_PORT}),
    ),
)
