"""Elvaco vendor output -> releve readings (power kW -> W; error flags -> meter error)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"


def cmi4140(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = [
        R("heat_energy", data["energy"], "cumulative"),
        R("heat_volume", data["volume"], "cumulative"),
        R("power", data["power"] * 1000, INST),
        R("flow", data["flow"], INST),
        R("flow_temperature", data["flow_temperature"], INST),
        R("return_temperature", data["return_temperature"], INST),
    ]
    alarms = {("meter_error", "")} if data["error_flag"] else set()
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"elvaco/cmi4140": cmi4140}
