"""What an envelope can be besides an Uplink: device health, joins, logs, and the ignored rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kernel.types import Lns, Uplink


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """Battery and link margin reported by the network server (ChirpStack ``status``)."""

    dev_eui: str
    time: datetime
    lns: Lns
    battery_level: float | None  # %, None when the device cannot tell
    external_power: bool
    margin_db: float | None


@dataclass(frozen=True, slots=True)
class JoinEvent:
    dev_eui: str
    time: datetime
    lns: Lns
    dev_addr: str | None


@dataclass(frozen=True, slots=True)
class DeviceLog:
    """A network server's log or error about a device (codec failure, frame-counter reset...)."""

    dev_eui: str
    time: datetime
    lns: Lns
    level: str
    code: str
    description: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """An event releve does not use (ack, txack, location, downlink commands...): counted, dropped."""

    lns: Lns
    kind: str
    dev_eui: str | None = None


Event = Uplink | DeviceStatus | JoinEvent | DeviceLog | Ignored
