"""Decentlab vendor output ({displayName, value, unit} objects) -> releve readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"
MAP = {
    "battery_voltage": ("battery_voltage", 1.0, INST),
    "air_temperature": ("temperature", 1.0, INST),
    "air_humidity": ("humidity", 1.0, INST),
    "barometric_pressure": ("pressure", 0.01, INST),  # Pa -> hPa
    "illuminance": ("illuminance", 1.0, INST),
    "co2_concentration": ("co2", 1.0, INST),
    "activity_counter": ("motion_count", 1.0, "cumulative"),
    "total_voc": ("tvoc", 1.0, INST),
}


def dl_iam(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = [
        R(quantity, data[key]["value"] * scale, kind)
        for key, (quantity, scale, kind) in MAP.items()
        if key in data
    ]
    return Expected(readings=readings)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"decentlab/dl-iam": dl_iam}
