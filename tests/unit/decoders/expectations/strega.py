"""STREGA vendor output -> releve readings (flags are "0"/"1" strings, absent values "null")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"
_FLAG_ALARMS = {"Leak": "leak", "Tamper": "tamper", "Cable": "sensor_fault", "Fraud": "magnetic_fraud"}


def smart_valve(example: dict[str, Any]) -> Expected:
    """The codec gives no battery voltage (releve's battery_voltage is not compared, see
    RELEVE_ONLY in tests/differential); its ``Bat`` is the battery level."""
    data = example["expected"]["data"]
    readings = [
        R("switch_state", float(data["Actuator"] == "1"), "state"),
        R("digital_input", float(data["DI0"] == "1"), "state", "0"),
        R("digital_input", float(data["DI1"] == "1"), "state", "1"),
        R("water_leak", float(data["Leak"] == "1"), "state"),
    ]
    if isinstance(data.get("Bat"), (int, float)):
        readings.append(R("battery_level", data["Bat"], INST))
    if isinstance(data.get("Temp"), (int, float)):
        readings.append(R("temperature", data["Temp"], INST))
    if isinstance(data.get("Hygro"), (int, float)):
        readings.append(R("humidity", data["Hygro"], INST))
    if isinstance(data.get("counterValue"), (int, float)):
        readings.append(R("pulse_count", data["counterValue"], "cumulative"))
    if isinstance(data.get("Ana"), (int, float)):
        readings.append(R("voltage", data["Ana"], INST, "analog"))
    alarms = {(alarm, "") for flag, alarm in _FLAG_ALARMS.items() if data.get(flag) == "1"}
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"strega/smart-valve": smart_valve}
