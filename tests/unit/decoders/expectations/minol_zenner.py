"""Minol-Zenner EDC vendor output -> register indexes (pulse counts), hourly and oldest first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

FLAGS = {
    "removal_detection": "removal",
    "battery_low": "low_battery",
    "battery_end_of_life": "low_battery",
    "hw_error": "meter_error",
    "coil_manipulation": "magnetic_fraud",
}


def edc(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    # The vendor computes with signed 32-bit arithmetic; releve reads the same bits unsigned.
    values = [v & 0xFFFFFFFF for v in data["meter_values"]]
    last = len(values) - 1
    readings = [
        R("pulse_count", v, "cumulative", offset_s=-(last - i) * 3600 if i < last else None)
        for i, v in enumerate(values)
    ]
    alarms = {(kind, "") for flag, kind in FLAGS.items() if data[flag]}
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"minol-zenner/edc-communication-module": edc}
