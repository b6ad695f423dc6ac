"""Axioma vendor output -> 24 index readings (log index, then index + running sum of deltas)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.decoders.expected import Expected, R

FLAGS = {
    "low_battery": "low_battery",
    "permanent_error": "meter_error",
    "temporary_error": "meter_error",
    "backflow": "backflow",
    "burst": "burst",
    "leakage": "leak",
    "low_temperature": "low_temperature",
}


def qalcosonic_w1(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    at = datetime.fromtimestamp(data["timestamp_unix"], UTC)
    readings = [R("water_volume", data["log_volume_m3"], "cumulative", at=at.isoformat())]
    total = data["log_volume_m3"]
    for hour in range(1, data["history_count"] + 1):
        total += data[f"delta_{hour}_m3"]
        readings.append(R("water_volume", total, "cumulative", at=(at + timedelta(hours=hour)).isoformat()))
    assert abs(total - data["current_volume_m3"]) < 1e-9
    alarms = {(kind, "") for flag, kind in FLAGS.items() if data[flag]}
    if data["pipe_empty"]:
        alarms = (alarms - {("meter_error", "")}) | {("dry", "")}
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"axioma/qalcosonic-w1": qalcosonic_w1}
