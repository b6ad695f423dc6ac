"""Laird RS1xx vendor output -> releve readings (battery bracket -> its lower bound, %)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.decoders.expected import Expected, R

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _at(stamp: dict[str, Any]) -> datetime:
    month = _MONTHS.index(stamp["month"]) + 1
    return datetime(
        stamp["year"], month, stamp["day"], stamp["hours"], stamp["minutes"], stamp["seconds"], tzinfo=UTC
    )


def _battery(data: dict[str, Any]) -> list[R]:
    return [R("battery_level", float(data["batteryCapacity"].split("-")[0]), "instantaneous")]


def _pair(reading: dict[str, Any], at: datetime | None) -> list[R]:
    place = at.isoformat() if at else None
    return [
        R("temperature", reading["temperature"], "instantaneous", at=place),
        R("humidity", reading["humidity"], "instantaneous", at=place),
    ]


def rs1xx_temp_rh(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]
    faulty = "Sensor fault flag" in data.get("options", [])
    kind = data["msgType"]
    # the flag speaks of the temperature/humidity sensor: an alarm on the frames that carry it
    alarms = {("sensor_fault", "")} if faulty and kind != "Laird_Battery_Voltage" else set()
    readings: list[R] = []
    if kind == "Laird_Internal_TH":
        readings = ([] if faulty else _pair(data, None)) + _battery(data)
    elif kind == "Laird_Agg_TH":
        period = (example.get("config") or {}).get("read_period_s") or 0
        last = _at(data["timestamp"])
        count = len(data["readings"])
        for i, reading in enumerate(data["readings"]):
            if not faulty:
                readings += _pair(reading, last - timedelta(seconds=(count - 1 - i) * period))
        readings += _battery(data)
    elif kind == "SendBackLogMessage":
        readings = [] if faulty else _pair(data, _at(data["timestamp"]))
    elif kind == "SendBackLogMessages":
        readings = [
            r for reading in data["readings"] if not faulty for r in _pair(reading, _at(reading["timestamp"]))
        ]
    elif kind == "Laird_Battery_Voltage":
        readings = [R("battery_voltage", data["voltage"], "instantaneous")]
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"laird/rs1xx-temp-rh-sensor": rs1xx_temp_rh}
