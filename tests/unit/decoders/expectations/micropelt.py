"""Micropelt vendor output -> releve readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"


def mlr003(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = [
        R("valve_position", data["Current_Valve_Position"], INST),
        R("battery_voltage", data["Storage_Voltage"], INST),
    ]
    alarms: set[tuple[str, str]] = set()
    if data["Flow_Sensor_Failure"]:
        alarms.add(("sensor_fault", "flow"))
    else:
        readings.append(R("flow_temperature", data["Flow_Temperature"], INST))
    if data["Ambient_Sensor_Failure"]:
        alarms.add(("sensor_fault", "ambient"))
    else:
        readings.append(R("temperature", data["Ambient_Temperature"], INST))
    if data["Motor_Error"]:
        alarms.add(("valve_fault", ""))
    if data.get("User_Mode") not in (None, 0):
        readings.append(R("setpoint_temperature", data["User_Value"], INST))
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"micropelt/mlr003": mlr003}
