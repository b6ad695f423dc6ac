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
    # Bat_status 0 "ultra low" and 1 "low" (LHT65 user manual) raise a low-battery alarm.
    alarms = {("low_battery", "")} if data["Bat_status"] < 2 else set()
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"dragino/lht65": lht65}
