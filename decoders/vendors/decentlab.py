"""Decentlab DL-IAM indoor ambiance monitor (protocol version 2).

Format: Decentlab DL-IAM datasheet (payload section) and the TTN Device Repository codec
``vendor/decentlab/dl-iam.js`` (shared/vectors/FORMATS.md): version byte, device id, a flag word,
then for each set flag a group of big-endian 16-bit words. Pressure is sent in Pa (/100 -> hPa).
"""

from __future__ import annotations

from decoders._bytes import Reader, require_length
from decoders.errors import BadValue
from decoders.model import DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "decentlab/dl-iam"
INST = Kind.INSTANTANEOUS


def decode_dl_iam(f_port: int, payload: bytes) -> Frame:
    require_length(payload, MODEL, minimum=5)
    if payload[0] != 2:
        raise BadValue(f"{MODEL}: protocol version {payload[0]} is not 2")
    r = Reader(payload, MODEL)
    r.take(1)
    device_id, flags = r.u16be(), r.u16be()
    readings: list[DecodedReading] = []
    info: list[tuple[str, str | int | float | bool]] = [("device_id", device_id)]
    if flags & 0x01:
        readings.append(DecodedReading(Quantity.BATTERY_VOLTAGE, r.u16be() / 1000, INST))
    if flags & 0x02:
        readings.append(DecodedReading(Quantity.TEMPERATURE, 175 * r.u16be() / 65535 - 45, INST))
        readings.append(DecodedReading(Quantity.HUMIDITY, 100 * r.u16be() / 65535, INST))
    if flags & 0x04:
        readings.append(DecodedReading(Quantity.PRESSURE, r.u16be() * 2 / 100, INST))
    if flags & 0x08:
        visible, infrared = r.u16be(), r.u16be()
        lux = max(visible - 1.64 * infrared, 0.59 * visible - 0.86 * infrared, 0) * 1.5504
        readings.append(DecodedReading(Quantity.ILLUMINANCE, lux, INST))
    if flags & 0x10:
        co2, status, raw_ir = r.u16be() - 32768, r.u16be(), r.u16be()
        readings.append(DecodedReading(Quantity.CO2, float(co2), INST))
        info += [("co2_sensor_status", status), ("raw_ir_reading", raw_ir)]
    if flags & 0x20:
        readings.append(DecodedReading(Quantity.MOTION_COUNT, float(r.u16be()), Kind.CUMULATIVE))
    if flags & 0x40:
        readings.append(DecodedReading(Quantity.TVOC, float(r.u16be()), INST))
    if r.remaining:
        raise BadValue(f"{MODEL}: {r.remaining} bytes left over after the flagged values")
    return Frame(readings=tuple(readings), info=tuple(info))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Decentlab DL-IAM indoor ambiance monitor",
        decode=decode_dl_iam,
        quantities=frozenset(
            {
                Quantity.BATTERY_VOLTAGE,
                Quantity.TEMPERATURE,
                Quantity.HUMIDITY,
                Quantity.PRESSURE,
                Quantity.ILLUMINANCE,
                Quantity.CO2,
                Quantity.MOTION_COUNT,
                Quantity.TVOC,
            }
        ),
        datasheet="Decentlab DL-IAM datasheet; TTN Device Repository vendor/decentlab/dl-iam",
    ),
)
