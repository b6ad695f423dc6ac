"""Elsys vendor output -> releve readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"


def ers_co2(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = []
    if "temperature" in data:
        readings.append(R("temperature", data["temperature"], INST))
    if "humidity" in data:
        readings.append(R("humidity", data["humidity"], INST))
    if "light" in data:
        readings.append(R("illuminance", data["light"], INST))
    if "motion" in data:
        readings.append(R("motion_count", data["motion"], "delta"))
    if "co2" in data:
        readings.append(R("co2", data["co2"], INST))
    if "vdd" in data:
        readings.append(R("battery_voltage", data["vdd"] / 1000, INST))  # mV -> V
    return Expected(readings=readings)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"elsys/ers-co2": ers_co2}
