"""Micropelt MLR003 energy-harvesting thermostatic radiator valve (port 1, 10 or 11 bytes).

Format: Micropelt MLR003 LoRaWAN interface description (REV1.0 and later) and the TTN Device
Repository codec ``vendor/micropelt/mlr003.js`` (shared/vectors/FORMATS.md): valve position %,
flow (radiator supply) temperature x 0.5, room temperature x 0.25, status flags, storage voltage
x 0.02; 11-byte frames add the user mode and set point (x 0.5 degC in temperature mode).
"""

from __future__ import annotations

from decoders._bytes import require_length
from decoders.errors import BadLength, UnsupportedPort
from decoders.model import Alarm, AlarmKind, DecodedReading, Frame, Kind, Quantity
from decoders.spec import ModelSpec

MODEL = "micropelt/mlr003"
PORT = 1
INST = Kind.INSTANTANEOUS

_FAULTS = (
    (0x10, AlarmKind.SENSOR_FAULT, "ambient", "room temperature sensor failure"),
    (0x08, AlarmKind.SENSOR_FAULT, "flow", "flow temperature sensor failure"),
    (0x01, AlarmKind.VALVE_FAULT, "", "motor error"),
)


def decode_mlr003(f_port: int, payload: bytes) -> Frame:
    if f_port != PORT:
        raise UnsupportedPort(MODEL, f_port)
    require_length(payload, MODEL, minimum=10)
    if len(payload) > 11:
        raise BadLength(f"{MODEL}: expected 10 or 11 bytes, got {len(payload)}")
    flags = payload[5]
    readings = [
        DecodedReading(Quantity.VALVE_POSITION, float(payload[0]), INST),
        DecodedReading(Quantity.BATTERY_VOLTAGE, round(payload[6] * 0.02, 2), INST),
    ]
    if not flags & 0x08:
        readings.append(DecodedReading(Quantity.FLOW_TEMPERATURE, payload[2] * 0.5, INST))
    if not flags & 0x10:
        readings.append(DecodedReading(Quantity.TEMPERATURE, payload[4] * 0.25, INST))
    alarms = [Alarm(kind, channel, detail) for bit, kind, channel, detail in _FAULTS if flags & bit]
    info: list[tuple[str, str | int | float | bool]] = [
        ("harvesting_active", bool(flags & 0x20)),
        ("radio_communication_error", bool(flags & 0x04)),
        ("average_current_consumed_ua", payload[7] * 10),
        ("average_current_generated_ua", payload[8] * 10),
        ("reference_completed", bool(payload[9] & 0x10)),
    ]
    if len(payload) == 11:
        mode = payload[9] & 0x03
        info.append(("user_mode", mode))
        if mode == 0:
            info.append(("valve_setpoint_pct", payload[10]))
        else:
            readings.append(DecodedReading(Quantity.SETPOINT_TEMPERATURE, payload[10] * 0.5, INST))
    return Frame(readings=tuple(readings), alarms=tuple(alarms), info=tuple(info))


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model_id=MODEL,
        name="Micropelt MLR003 thermostatic radiator valve",
        decode=decode_mlr003,
        quantities=frozenset(
            {
                Quantity.VALVE_POSITION,
                Quantity.FLOW_TEMPERATURE,
                Quantity.TEMPERATURE,
                Quantity.BATTERY_VOLTAGE,
                Quantity.SETPOINT_TEMPERATURE,
            }
        ),
        datasheet="Micropelt MLR003 LoRaWAN interface description; TTN vendor/micropelt/mlr003",
        ports=frozenset({PORT}),
    ),
)
