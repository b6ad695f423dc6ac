"""comtac vendor output -> releve readings (history: oldest first, 10 minutes apart)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.decoders.expected import Expected, R

INST = "instantaneous"


def lpn_cm4(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    readings = [R("battery_level", data["batLevel"], INST)]
    alarms: set[tuple[str, str]] = set()
    temps, hums = data.get("tempNOW", []), data.get("humNOW", [])
    n = len(temps)
    for i, (t, h) in enumerate(zip(temps, hums, strict=True)):
        offset = None if i == n - 1 else -(n - 1 - i) * 600
        if t == "INVALID":
            alarms.add(("sensor_fault", "temperature"))
        else:
            readings.append(R("temperature", t, INST, offset_s=offset))
        if h == "INVALID":
            alarms.add(("sensor_fault", "humidity"))
        else:
            readings.append(R("humidity", h, INST, offset_s=offset))
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"comtac/lpn-cm4": lpn_cm4}
