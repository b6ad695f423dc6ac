"""Aqua-Scope WWD flood sensor (water leak detector).

Format: Aqua-Scope LoRaWAN payload description and the TTN Device Repository codec
``vendor/aquascope/wwd.js`` (shared/vectors/FORMATS.md). Port 10 is the alarm/status frame
(leak bit, battery %, temperature), port 16 the periodic battery/temperature frame. The vendor
codec reads the temperature as byte2 x 255 + byte3; releve reads the big-endian 16-bit value
(x 256), the same for every temperature a room can have (byte 2 is 0 below 256 degC).
"""

from __future__ import annotations

from decoders._bytes import require_length
from decoders.errors import UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "aquascope/wwd"
ALARM_PORT, STATUS_PORT = 10, 16


def decode_wwd(f_port: int, payload: bytes) -> Frame:
    if f_port not in (ALARM_PORT, STATUS_PORT):
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, exact=4)
    readings = [
        DecodedReading(Quantity.BATTERY_LEVEL, float(payload[1]), Kind.INSTANTANEOUS),
        DecodedReading(Quantity.TEMPERATURE, float(int.from_bytes(payload[2:4], "big")), Kind.INSTANTANEOUS),
    ]
    alarms: tuple[Alarm, ...] = ()
    info: tuple[tuple[str, str | int | float | bool], ...] = ()
    if f_port == ALARM_PORT:
        leak = bool(payload[0] & 0x01)
        readings.append(DecodedReading(Quantity.WATER_LEAK, 1.0 if leak else 0.0, Kind.STATE))
        alarms = (Alarm(AlarmKind.LEAK, detail="water on the floor"),) if leak else ()
        info = (("remote_probe", bool(payload[0] & 0x02)),)
    return Frame(readings=tuple(readings), alarms=alarms, info=info)


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Aqua-Scope WWD flood sensor",
        decode=decode_wwd,
        quantities=frozenset({Quantity.WATER_LEAK, Quantity.BATTERY_LEVEL, Quantity.TEMPERATURE}),
        datasheet="Aqua-Scope WWD LoRaWAN payload; TTN Device Repository vendor/aquascope/wwd",
        ports=frozenset({ALARM_PORT, STATUS_PORT}),
    ),
)
