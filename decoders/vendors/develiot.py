"""Develiot RWMR remote water meter reader (two pulse counters), status frame on port 12.

Format: Develiot "LoRaSense" RWMR payload description and the TTN Device Repository codec
``vendor/develiot/rwmr.js`` (shared/vectors/FORMATS.md): byte 0 firmware version and enabled
services, two 32-bit little-endian pulse counters, battery (raw x 3.3 / 255 V) and temperature
(raw x 90 / 255 - 30 degC). Counters of disabled inputs are not readings.
"""

from __future__ import annotations

from decoders._bytes import require_length
from decoders.errors import EncodeError, UnsupportedPort
from decoders.model import DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "develiot/rwmr"
PORT = 12
COUNTER1, COUNTER2, TEMPERATURE = 0x1, 0x2, 0x4


def decode_rwmr(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, exact=11)
    services = payload[0] & 0x0F
    readings = []
    if services & COUNTER1:
        readings.append(
            DecodedReading(
                Quantity.PULSE_COUNT, float(int.from_bytes(payload[1:5], "little")), Kind.CUMULATIVE, "1"
            )
        )
    if services & COUNTER2:
        readings.append(
            DecodedReading(
                Quantity.PULSE_COUNT, float(int.from_bytes(payload[5:9], "little")), Kind.CUMULATIVE, "2"
            )
        )
    readings.append(
        DecodedReading(Quantity.BATTERY_VOLTAGE, round(payload[9] * 3.3 / 255, 2), Kind.INSTANTANEOUS)
    )
    if services & TEMPERATURE:
        readings.append(
            DecodedReading(Quantity.TEMPERATURE, round(payload[10] * 90 / 255 - 30, 2), Kind.INSTANTANEOUS)
        )
    return Frame(readings=tuple(readings), info=(("firmware_version", payload[0] >> 4),))


def encode_rwmr(frame: Frame) -> tuple[int, bytes]:
    """A status frame from the pulse counters, battery and temperature (on the device's grids)."""
    counts = {r.channel: r.value for r in frame.readings if r.quantity is Quantity.PULSE_COUNT}
    volts = frame.battery_voltage
    temps = [r.value for r in frame.readings if r.quantity is Quantity.TEMPERATURE]
    if volts is None or set(counts) - {"1", "2"} or frame.alarms:
        raise EncodeError("an RWMR frame has counters 1 and/or 2, a battery and maybe a temperature")
    raw_v = round(volts * 255 / 3.3)
    if not 0 <= raw_v <= 255 or round(raw_v * 3.3 / 255, 2) != volts:
        raise EncodeError(f"battery {volts} V is not on the RWMR's grid")
    raw_t = 0
    if temps:
        raw_t = round((temps[0] + 30) * 255 / 90)
        if not 0 <= raw_t <= 255 or round(raw_t * 90 / 255 - 30, 2) != temps[0]:
            raise EncodeError(f"temperature {temps[0]} is not on the RWMR's grid")
    services = (
        (COUNTER1 if "1" in counts else 0)
        | (COUNTER2 if "2" in counts else 0)
        | (TEMPERATURE if temps else 0)
    )
    body = bytes([0x10 | services])
    for channel in ("1", "2"):
        value = counts.get(channel, 0.0)
        if value != int(value) or not 0 <= value < 2**32:
            raise EncodeError(f"counter {channel} out of range")
        body += int(value).to_bytes(4, "little")
    return PORT, body + bytes([raw_v, raw_t])


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Develiot RWMR remote water meter reader",
        decode=decode_rwmr,
        encode=encode_rwmr,
        quantities=frozenset({Quantity.PULSE_COUNT, Quantity.BATTERY_VOLTAGE, Quantity.TEMPERATURE}),
        datasheet="Develiot LoRaSense RWMR payload; TTN Device Repository vendor/develiot/rwmr",
        ports=frozenset({PORT}),
    ),
)
