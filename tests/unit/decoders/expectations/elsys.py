"""Elsys vendor output (the TLV codec's keys) -> releve readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"

# vendor key -> (quantity, kind, channel, factor to the canonical unit)
KEYS: dict[str, tuple[str, str, str, float]] = {
    "temperature": ("temperature", INST, "", 1),
    "humidity": ("humidity", INST, "", 1),
    "light": ("illuminance", INST, "", 1),
    "motion": ("motion_count", "delta", "", 1),
    "co2": ("co2", INST, "", 1),
    "vdd": ("battery_voltage", INST, "", 0.001),  # mV -> V
    "pulse1": ("pulse_count", "delta", "1", 1),
    "pulseAbs": ("pulse_count", "cumulative", "1", 1),
    "digital": ("digital_input", "state", "", 1),
}


def tlv(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = [
        R(quantity, data[key] * factor, kind, channel=channel)
        for key, (quantity, kind, channel, factor) in KEYS.items()
        if key in data and key != "digital"
    ]
    if "digital" in data:  # an input's level: any non-zero byte is on
        readings.append(R("digital_input", 1.0 if data["digital"] else 0.0, "state"))
    alarms: set[tuple[str, str]] = set()
    if "waterleak" in data:
        readings.append(R("water_leak", 1.0 if data["waterleak"] else 0.0, "state"))
        alarms = {("leak", "")} if data["waterleak"] else set()
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"elsys/ers-co2": tlv, "elsys/ems": tlv}
