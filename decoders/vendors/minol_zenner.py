"""ZENNER (Minol-Zenner) EDC communication module for water meters, LoRaWAN variant.

Format: the TTN Device Repository codec ``vendor/minol-zenner/edc-communication-module.js``
(shared/vectors/FORMATS.md) and ZENNER's "EDC - Electronic Data Capture module" installation
and operating instructions. Byte 0 is the status (bit 0 removal, 1 battery low, 2 battery end
of life, 3 hardware error, 5 manipulation of the sensing coil by a magnet), then one or more
unsigned 32-bit big-endian meter values.

What the values are: the EDC scans the meter's modulator disc and keeps the register (roller
counter) value; its unit is the module's pulse value (one disc revolution is 1, 10 or 100 L
depending on the module type 320/321/322, and the register can be programmed in litres). That
setting is not in the frame, so the values are PULSE_COUNT indexes and the pulse weight set
per device turns them into m3. The LoRaWAN scenarios send one value (monthly 201, daily 202)
or three hourly values (203); several values are read as hourly indexes, oldest first, the
last one at reception. The vendor codec computes the values with signed 32-bit arithmetic and
pads a last incomplete group with zeros; releve reads them unsigned and refuses a frame whose
length is not 1 + 4n. The codec ignores the port, and so does this decoder.
"""

from __future__ import annotations

from decoders._bytes import Reader
from decoders.errors import BadLength
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "minol-zenner/edc-communication-module"
HOUR_S = 3600
_FLAGS = (
    (0x01, AlarmKind.REMOVAL, "module removed"),
    (0x08, AlarmKind.METER_ERROR, "hardware error"),
    (0x20, AlarmKind.MAGNETIC_FRAUD, "sensing coil manipulated"),
)


def decode_edc(f_port: int, payload: bytes) -> Frame:
    if len(payload) < 5 or (len(payload) - 1) % 4:
        raise BadLength(f"{MODEL}: expected a status byte and 4-byte meter values, got {len(payload)} bytes")
    r = Reader(payload, MODEL)
    status = r.u8()
    values = [r.u32be() for _ in range(r.remaining // 4)]
    last = len(values) - 1
    readings = tuple(
        DecodedReading(
            Quantity.PULSE_COUNT,
            float(v),
            Kind.CUMULATIVE,
            offset_s=-(last - i) * HOUR_S if i < last else None,
        )
        for i, v in enumerate(values)
    )
    alarms = [Alarm(kind, detail=text) for bit, kind, text in _FLAGS if status & bit]
    if status & 0x06:
        detail = "battery end of life" if status & 0x04 else "battery low"
        alarms.append(Alarm(AlarmKind.LOW_BATTERY, detail=detail))
    return Frame(readings=readings, alarms=tuple(alarms), info=(("status", status),))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="ZENNER EDC communication module for water meters (LoRaWAN)",
        decode=decode_edc,
        quantities=frozenset({Quantity.PULSE_COUNT}),
        datasheet="ZENNER EDC module installation and operating instructions; TTN vendor/minol-zenner",
    ),
)
