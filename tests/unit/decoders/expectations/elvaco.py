"""Elvaco vendor output -> releve readings (power kW -> W; error flags -> meter error)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"


def cmi4140(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    fields = (
        ("heat_energy", "energy", 1, "cumulative"),
        ("heat_volume", "volume", 1, "cumulative"),
        ("power", "power", 1000, INST),
        ("flow", "flow", 1, INST),
        ("flow_temperature", "flow_temperature", 1, INST),
        ("return_temperature", "return_temperature", 1, INST),
    )
    # a field the reviewed list struck out (an M-Bus "no value") is absent
    readings = [R(q, data[key] * factor, kind) for q, key, factor, kind in fields if key in data]
    alarms = {("meter_error", "")} if data["error_flag"] else set()
    if data.get("invalid"):  # M-Bus "no value" markers, struck out by the reviewed list
        alarms.add(("sensor_fault", ""))
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {
    "elvaco/cmi4140": cmi4140,
    "elvaco/cmi4160": cmi4140,
}
