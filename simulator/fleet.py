"""A simulated fleet, described in TOML (see ``default_fleet.toml``): sites, devices, gateways."""

from __future__ import annotations

import tomllib
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, ValidationError, field_validator

from kernel.types import normalize_eui
from simulator.errors import FleetError


class GatewaySpec(BaseModel):
    id: str
    latitude: float
    longitude: float


class DeviceSpec(BaseModel):
    """A simulated device. Metering devices have a consumption profile per 15-minute slot."""

    dev_eui: str
    name: str
    model: str
    meter: Literal["water", "electricity", "gas", "heat", "comfort", "outdoor"]
    base: float = Field(default=0.0, ge=0)
    peak: float = Field(default=0.0, ge=0)
    heating: float = Field(default=0.0, ge=0)
    interval_s: int = Field(default=900, ge=60)
    pulse_weight: float | None = Field(default=None, gt=0)
    register_max: float | None = Field(default=None, gt=0)

    @field_validator("dev_eui")
    @classmethod
    def _eui(cls, value: str) -> str:
        return normalize_eui(value)

    @property
    def quantity(self) -> str | None:
        return {
            "water": "water_volume",
            "electricity": "energy_import",
            "gas": "gas_volume",
            "heat": "heat_energy",
        }.get(self.meter)


class _DeviceEvent(BaseModel):
    dev_eui: str
    start: AwareDatetime
    end: AwareDatetime | None = None

    @field_validator("dev_eui")
    @classmethod
    def _eui(cls, value: str) -> str:
        return normalize_eui(value)

    def active(self, ts: datetime) -> bool:
        return self.start <= ts and (self.end is None or ts < self.end)


class LeakEvent(_DeviceEvent):
    """A leak that starts at a time and flows day and night until it is repaired."""

    kind: Literal["leak"] = "leak"
    flow_m3h: float = Field(gt=0)


class ReplacementEvent(_DeviceEvent):
    """The meter is replaced at ``start``: the new one shows ``new_initial`` and counts from there."""

    kind: Literal["replacement"] = "replacement"
    new_initial: float = Field(default=0.0, ge=0)


class BatteryDeathEvent(_DeviceEvent):
    """The battery drains from ``start`` and is empty ``days`` later (the device then goes silent)."""

    kind: Literal["battery_death"] = "battery_death"
    days: float = Field(default=10.0, gt=0)


class SilenceEvent(_DeviceEvent):
    """The device sends nothing between ``start`` and ``end`` (broken, removed, out of range)."""

    kind: Literal["silence"] = "silence"


class RejoinEvent(_DeviceEvent):
    """The device joins the network again (new battery, reset): its frame counter restarts at 0
    and it gets a new device address."""

    kind: Literal["rejoin"] = "rejoin"


class TamperEvent(_DeviceEvent):
    """Someone tampers with the device at ``start`` (a tamper alarm frame)."""

    kind: Literal["tamper"] = "tamper"


class OverconsumptionEvent(_DeviceEvent):
    """The meter consumes ``factor`` times its usual between ``start`` and ``end`` (a stuck valve,
    heating left on, a forgotten machine)."""

    kind: Literal["overconsumption"] = "overconsumption"
    factor: float = Field(default=3.0, gt=1)


class BackwardsEvent(_DeviceEvent):
    """The meter counts down what flows between ``start`` and ``end`` (mounted the wrong way round,
    a faulty register); afterwards it counts up again from where it got to."""

    kind: Literal["backwards"] = "backwards"


class LightingStuckEvent(_DeviceEvent):
    """Public lighting stays on between ``start`` and ``end``, daylight or not (a failed photocell)."""

    kind: Literal["lighting_stuck"] = "lighting_stuck"


class GatewayOutageEvent(BaseModel):
    """The gateway serving a site is down: none of the site's frames reach the network server."""

    kind: Literal["gateway_outage"] = "gateway_outage"
    site: str
    start: AwareDatetime
    end: AwareDatetime

    def active(self, ts: datetime) -> bool:
        return self.start <= ts < self.end


Event = Annotated[
    LeakEvent
    | ReplacementEvent
    | BatteryDeathEvent
    | SilenceEvent
    | TamperEvent
    | RejoinEvent
    | OverconsumptionEvent
    | BackwardsEvent
    | LightingStuckEvent
    | GatewayOutageEvent,
    Field(discriminator="kind"),
]


class SiteSpec(BaseModel):
    slug: str
    name: str
    use: Literal["office", "school", "gym", "library", "housing", "pool", "public_lighting"] = "office"
    latitude: float | None = None
    longitude: float | None = None
    floor_area_m2: float | None = None
    # publish its daily consumption as open data (set when the site is first provisioned)
    open_data: bool = False
    devices: list[DeviceSpec] = Field(default_factory=list)


class Fleet(BaseModel):
    seed: int = 1
    # The municipality the fleet belongs to: the demo names the network owner after it (the
    # publisher of its open data) where it still has the default name.
    town: str | None = Field(default=None, min_length=1, max_length=200)
    start: AwareDatetime
    timezone: str = "Europe/Paris"
    application_id: str = "00000000-0000-0000-0000-000000000000"
    gateways: list[GatewaySpec] = Field(default_factory=list)
    sites: list[SiteSpec]
    events: list[Event] = Field(default_factory=list)

    def devices(self) -> list[tuple[SiteSpec, DeviceSpec]]:
        return [(site, device) for site in self.sites for device in site.devices]


def load_fleet(path: Path | None = None) -> Fleet:
    """Load a fleet file, or the built-in default fleet."""
    try:
        if path is None:
            text = resources.files("simulator").joinpath("default_fleet.toml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        fleet = Fleet.model_validate(tomllib.loads(text))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise FleetError(f"cannot load fleet {path or 'default'}: {exc}") from exc
    seen: set[str] = set()
    for _, device in fleet.devices():
        if device.dev_eui in seen:
            raise FleetError(f"device {device.dev_eui} appears twice in the fleet")
        seen.add(device.dev_eui)
    return fleet
