"""Dragino vendor output -> releve readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decoders import UnsupportedPort
from tests.unit.decoders.expected import Expected, R


def lht65(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if data is None:
        return Expected(error=UnsupportedPort)
    readings = [
        R("battery_voltage", data["BatV"], "instantaneous"),
        R("temperature", data["TempC_SHT"], "instantaneous"),
        R("humidity", data["Hum_SHT"], "instantaneous"),
    ]
    if "TempC_DS" in data:
        readings.append(R("temperature", data["TempC_DS"], "instantaneous", channel="external"))
    return Expected(readings=readings)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"dragino/lht65": lht65}
