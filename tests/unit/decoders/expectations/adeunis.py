"""Adeunis vendor output -> releve readings (history newest first, one device period apart)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from decoders.vendors.adeunis import PULSE4_HISTORY_S
from tests.unit.decoders.expected import Expected, R


def pulse4(example: dict[str, Any]) -> Expected:
    data = example["expected"]["data"]["bytes"]
    channel = {"0x5a": "A", "0x5b": "B"}[data["type"][:4]]
    at = datetime.fromisoformat(data["timestamp"]).replace(tzinfo=UTC) if "timestamp" in data else None
    readings = []
    for i, value in enumerate(data["counterValues"]):
        if at is not None:
            place: dict[str, Any] = {"at": (at - timedelta(seconds=i * PULSE4_HISTORY_S)).isoformat()}
        else:
            place = {"offset_s": -i * PULSE4_HISTORY_S if i else None}
        readings.append(R("pulse_count", value, "cumulative", channel=channel, **place))
    alarms = {("low_battery", "")} if data["status"]["lowBattery"] else set()
    return Expected(readings=readings, alarms=alarms)


EXPECTATIONS: dict[str, Callable[[dict[str, Any]], Expected]] = {"adeunis/pulse-4": pulse4}
