"""Aqua-Scope vendor output -> releve readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decoders import UnsupportedPort
from tests.unit.decoders.expected import Expected, R


def wwd(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    if data is None:
        return Expected(error=UnsupportedPort)
    readings = [
        R("battery_level", data["battery"], "instantaneous"),
        R("temperature", data["temperature"], "instantaneous"),
    ]
    alarms: set[tuple[str, str]] = set()
    if "leak" in data:
        readings.append(R("water_leak", float(data["leak"]), "state"))
        if data["leak"]:
            alarms.add(("leak", ""))
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"aquascope/wwd": wwd}
