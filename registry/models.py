"""What the registry holds: tenants, sites, devices and API keys with their roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Role(StrEnum):
    """API key roles, each allowed what the previous one is, and more."""

    VIEWER = "viewer"
    TECHNICIAN = "technician"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class Tenant:
    id: int
    slug: str
    name: str
    is_owner: bool


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    tenant_id: int
    slug: str
    name: str
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    floor_area_m2: float | None = None
    use: str | None = None
    open_data: bool = False


@dataclass(frozen=True, slots=True)
class Device:
    dev_eui: str
    tenant_id: int
    name: str
    model: str
    site_id: int | None = None
    metering_point: str | None = None
    pulse_quantity: str | None = None
    pulse_weight: float | None = None
    register_max: float | None = None
    expected_interval_s: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    status: str = "active"
    # The AppSKey wrapped under the master key, when the town holds it; never shown.
    app_skey_wrapped: bytes | None = field(default=None, repr=False)
    # The public register (data charter): what the device is for, who operates it, since when.
    purpose: str | None = None
    operated_by: str | None = None
    installed_at: date | None = None


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An authenticated key: who it belongs to and what it may do."""

    id: int
    prefix: str
    tenant_id: int
    role: Role
    name: str
    tenant_is_owner: bool

    @property
    def sees_all_tenants(self) -> bool:
        return self.tenant_is_owner and self.role is Role.ADMIN
