"""What an alert rule returns: the kind of alert and a finding with its plain-words message and evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AlertKind(StrEnum):
    LEAK = "leak"
    SILENT_DEVICE = "silent_device"
    SILENT_SITE = "silent_site"
    LOW_BATTERY = "low_battery"
    POOR_LINK = "poor_link"
    DEVICE_ALARM = "device_alarm"
    METER_ANOMALY = "meter_anomaly"
    ABNORMAL_CONSUMPTION = "abnormal_consumption"
    LIGHTING_DAYLIGHT = "lighting_daylight"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: AlertKind
    key: str
    tenant_id: int
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    dev_eui: str | None = None
    site_id: int | None = None
