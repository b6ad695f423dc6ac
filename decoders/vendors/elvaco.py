"""Elvaco CMi4140 and CMi4160 heat-meter modules, "standard" message (port 2).

Format: Elvaco CMi4140 and CMi4160 user manuals (payload "standard message", type 0x15 for
the CMi4140 on Kamstrup MULTICAL 403/603/803, type 0x1E for the CMi4160 on Itron CF Echo II /
CF 51 / CF 55) and the TTN Device Repository codecs ``vendor/elvaco/cmi4140.js`` and
``cmi4160.js`` (shared/vectors/FORMATS.md). After the type byte the message is wired M-Bus
records (EN 13757-3, read by ``_mbus``): energy, volume of the heating water, power, flow, flow
and return temperatures, meter serial and error flags. The heating water's volume is
HEAT_VOLUME, not a consumption. A value sent "during error state" (CMi4160, DIF function 3)
and non-zero error flags become meter-error alarms.
"""

from __future__ import annotations

from decoders._bytes import require_length
from decoders.errors import EncodeError, UnknownFrameType, UnsupportedPort
from decoders.model import AlarmKind, Frame, Quantity
from decoders.spec import ModelSpec
from decoders.vendors import _mbus
from decoders.vendors._mbus import Family

CMI4140 = "elvaco/cmi4140"
CMI4160 = "elvaco/cmi4160"
PORT = 2
MIN_LENGTH = 40  # the shortest standard message; a shorter frame was cut at a record boundary
HEAT = {
    Family.ENERGY: Quantity.HEAT_ENERGY,
    Family.VOLUME: Quantity.HEAT_VOLUME,
    Family.POWER: Quantity.POWER,
    Family.FLOW: Quantity.FLOW,
    Family.FLOW_TEMPERATURE: Quantity.FLOW_TEMPERATURE,
    Family.RETURN_TEMPERATURE: Quantity.RETURN_TEMPERATURE,
}
QUANTITIES = frozenset(HEAT.values())


def _standard(model: str, message_type: int, f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(model, f_port)
    require_length(payload, model, minimum=MIN_LENGTH)
    if payload[0] != message_type:
        raise UnknownFrameType(
            f"{model}: message type 0x{payload[0]:02x}; only the standard message (0x{message_type:02x})"
        )
    return _mbus.to_frame(_mbus.parse_records(payload[1:], model), HEAT, model)


def decode_cmi4140(f_port: int, payload: bytes) -> Frame:
    return _standard(CMI4140, 0x15, f_port, payload)


def decode_cmi4160(f_port: int, payload: bytes) -> Frame:
    return _standard(CMI4160, 0x1E, f_port, payload)


# (quantity, DIF, VIF, step in the canonical unit, data bytes) of the message the encoder writes
_RECORDS = (
    (Quantity.HEAT_ENERGY, 0x04, 0x06, 1, 4),  # kWh
    (Quantity.HEAT_VOLUME, 0x04, 0x14, 0.01, 4),  # 0.01 m3
    (Quantity.POWER, 0x02, 0x2D, 100, 2),  # 0.1 kW
    (Quantity.FLOW, 0x02, 0x3C, 0.01, 2),  # 0.01 m3/h
    (Quantity.FLOW_TEMPERATURE, 0x02, 0x59, 0.01, 2),  # 0.01 degC
    (Quantity.RETURN_TEMPERATURE, 0x02, 0x5D, 0.01, 2),
)
_SERIAL = bytes.fromhex("0c7827948179")  # fabrication number 79819427 (BCD)


def encode_cmi4140(frame: Frame) -> tuple[int, bytes]:
    """A standard message: energy (kWh), volume (0.01 m3), power (0.1 kW), flow, temperatures
    (0.01), serial, and error flags (bit 0 set for a meter-error alarm)."""
    by_q = {r.quantity: r.value for r in frame.readings}
    if sorted(by_q) != sorted(QUANTITIES) or len(frame.readings) != len(QUANTITIES):
        raise EncodeError("a CMi4140 message holds energy, volume, power, flow and both temperatures")
    if any(a.kind is not AlarmKind.METER_ERROR for a in frame.alarms):
        raise EncodeError("a CMi4140 message carries meter errors only")
    body = bytes([0x15])
    for quantity, dif, vif, step, size in _RECORDS:
        value = by_q[quantity]
        raw = round(value / step)
        if abs(raw * step - value) > 1e-6 or not 0 <= raw < 1 << (8 * size - 1):
            raise EncodeError(f"{quantity} {value} is not on the {step} grid of its record")
        body += bytes([dif, vif]) + raw.to_bytes(size, "little")
    flags = 1 if frame.alarms else 0
    return PORT, body + _SERIAL + bytes([0x04, 0xFD, 0x17]) + flags.to_bytes(4, "little")


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=CMI4140,
        name="Elvaco CMi4140 for Kamstrup MULTICAL heat meters",
        decode=decode_cmi4140,
        encode=encode_cmi4140,
        quantities=QUANTITIES,
        datasheet="Elvaco CMi4140 user manual (standard message); TTN vendor/elvaco/cmi4140",
        ports=frozenset({PORT}),
        version="2",
    ),
    ModelSpec(
        model_id=CMI4160,
        name="Elvaco CMi4160 for Itron CF Echo II / CF 51 / CF 55 heat meters",
        decode=decode_cmi4160,
        quantities=QUANTITIES,
        datasheet="Elvaco CMi4160 user manual (standard message); TTN vendor/elvaco/cmi4160",
        ports=frozenset({PORT}),
    ),
)
