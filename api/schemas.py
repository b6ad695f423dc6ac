"""Request and response models: ``XCreate`` in, ``XPublic`` out, ``Page[X]`` for lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, field_validator

from kernel.fields import (
    LABEL_MAX,
    NAME_MAX,
    NOTE_MAX,
    SHORT_MAX,
    TAGS_MAX,
    TEXT_MAX,
    check_characters,
    check_tags,
)
from kernel.types import normalize_eui

T = TypeVar("T")

# What people type, checked by the rules of every write path (kernel.fields).
Printable = AfterValidator(check_characters)
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX), Printable]
OptionalName = Annotated[str, Field(max_length=NAME_MAX), Printable]
Text = Annotated[str, Field(max_length=TEXT_MAX), Printable]
Note = Annotated[str, Field(max_length=NOTE_MAX), Printable]
Label = Annotated[str, Field(max_length=LABEL_MAX), Printable]
Short = Annotated[str, Field(max_length=SHORT_MAX), Printable]
Tags = Annotated[dict[str, str], Field(max_length=TAGS_MAX), AfterValidator(check_tags)]


def csv_body(description: str) -> dict[str, Any]:
    """The request body of an operation that reads a CSV file from the raw body (``openapi_extra``):
    documented, so that a client (and Swagger UI's "Try it out") can send the file."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "text/csv": {"schema": {"type": "string", "format": "binary", "contentMediaType": "text/csv"}}
            },
        }
    }


class Page(BaseModel, Generic[T]):
    items: list[T]
    offset: int
    limit: int
    total: int | None = None


class DeviceCreate(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    dev_eui: str = Field(description="16 hex digits; separators and case are normalized")
    name: Name
    model: str = Field(
        max_length=120, description="TTN Device Repository id, e.g. netvox/r718h (see /api/v1/models)"
    )
    site: Name = Field(description="site name; created if new")
    metering_point: Label | None = None
    pulse_quantity: str | None = Field(default=None, max_length=64)
    pulse_weight: float | None = Field(default=None, gt=0)
    register_max: float | None = Field(default=None, gt=0)
    expected_interval_s: int | None = Field(default=None, gt=0, le=7 * 86400)
    tags: Tags = Field(
        default_factory=dict, description="at most 50; keys without '=' or ';', values without ';'"
    )
    purpose: Text | None = Field(default=None, description="why the device is there")
    operated_by: Name | None = Field(default=None, description="who operates it")
    installed_at: date | None = Field(default=None, description="since when")
    app_skey: SecretStr | None = Field(
        default=None,
        description="AppSKey (32 hex digits) when the town keeps its keys: stored encrypted, never returned",
    )

    @field_validator("dev_eui")
    @classmethod
    def _eui(cls, value: str) -> str:
        return normalize_eui(value)

    @field_validator("app_skey")
    @classmethod
    def _key(cls, value: SecretStr | None) -> SecretStr | None:
        return check_app_skey(value)


def check_app_skey(value: SecretStr | None) -> SecretStr | None:
    if value is not None:
        raw = value.get_secret_value()
        if len(raw) != 32 or any(ch not in "0123456789abcdefABCDEF" for ch in raw):
            raise ValueError("an AppSKey is 32 hexadecimal digits")
    return value


class DevicePublic(BaseModel):
    dev_eui: str
    name: str
    model: str
    site_id: int | None
    metering_point: str | None
    pulse_quantity: str | None
    pulse_weight: float | None
    register_max: float | None
    expected_interval_s: int | None
    tags: dict[str, str]
    status: str
    purpose: str | None = None
    operated_by: str | None = None
    installed_at: date | None = None
    last_seen: datetime | None = None
    battery_level: float | None = None
    battery_voltage: float | None = None
    rssi: float | None = None
    snr: float | None = None
    frames: int | None = None
    frames_lost: int | None = None


class ReadingPublic(BaseModel):
    ts: datetime
    quantity: str
    value: float
    unit: str
    kind: str
    channel: str
    delta: float | None
    f_cnt: int | None
    uplink_id: int | None


class SitePublic(BaseModel):
    id: int
    tenant_id: int
    slug: str
    name: str
    address: str | None
    latitude: float | None
    longitude: float | None
    floor_area_m2: float | None
    use: str | None
    open_data: bool = Field(default=False, description="its daily consumption is published as open data")
    devices: int = 0


class SiteCreate(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    name: Name
    address: Text | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    floor_area_m2: float | None = Field(default=None, gt=0)
    use: Short | None = None
    open_data: bool | None = Field(
        default=None,
        description=(
            "publish this site's daily consumption as open data (GET /api/v1/open/catalog); "
            "omitted: unchanged on an existing site, false on a new one"
        ),
    )


class SiteUpdate(BaseModel):
    """The fields of a site to change (those left out stay as they are; null clears one)."""

    model_config = ConfigDict(allow_inf_nan=False, extra="forbid")

    name: Name | None = None
    address: Text | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    floor_area_m2: float | None = Field(default=None, gt=0)
    use: Short | None = None
    open_data: bool | None = None
    tenant_id: int | None = Field(
        default=None,
        ge=1,
        le=2**53,
        description="move the site, its devices and tariffs (network owner's admin)",
    )


class DeviceUpdate(BaseModel):
    """The fields of a device to change (those left out stay as they are; null clears one).

    ``status``: ``decommissioned`` keeps its history and stops its decoding and silence alerts
    (what it sends goes to the quarantine); ``active`` puts it back in service."""

    model_config = ConfigDict(allow_inf_nan=False, extra="forbid")

    name: Name | None = None
    site_id: int | None = Field(default=None, ge=1, le=2**53, description="a site of the device's tenant")
    model: str | None = Field(default=None, max_length=120)
    metering_point: Label | None = None
    pulse_quantity: str | None = Field(default=None, max_length=64)
    pulse_weight: float | None = Field(default=None, gt=0)
    register_max: float | None = Field(default=None, gt=0)
    expected_interval_s: int | None = Field(default=None, gt=0, le=7 * 86400)
    tags: Tags | None = None
    purpose: Text | None = None
    operated_by: Name | None = None
    installed_at: date | None = None
    status: str | None = Field(default=None, pattern="^(active|decommissioned)$")
    app_skey: SecretStr | None = Field(
        default=None,
        description="a new AppSKey (32 hex digits; a key rotated): stored encrypted, never returned",
    )

    @field_validator("app_skey")
    @classmethod
    def _key(cls, value: SecretStr | None) -> SecretStr | None:
        return check_app_skey(value)


class RowErrorPublic(BaseModel):
    line: int
    reason: str = Field(description="in English")
    code: str = Field(
        default="invalid", description="the reason as a code, for a client to say it in its language"
    )
    params: dict[str, str] = Field(default_factory=dict)


class RowChangePublic(BaseModel):
    line: int
    dev_eui: str
    action: str = Field(description="created, updated or unchanged")
    changes: dict[str, list[object]] = Field(description="each field changed: [before, after]")
    new_site: bool = False


class ImportReport(BaseModel):
    dry_run: bool
    imported: int = Field(description="devices created or updated")
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_sites: list[str] = Field(default_factory=list)
    rows: list[RowChangePublic] = Field(default_factory=list)
    errors: list[RowErrorPublic]
    encoding: str = Field(default="utf-8", description="how the file's bytes were read")
    released_uplinks: int = 0


class TenantPublic(BaseModel):
    id: int
    slug: str
    name: str
    is_owner: bool


class TenantCreate(BaseModel):
    slug: str = Field(pattern="^[a-z0-9][a-z0-9-]{0,63}$", description="lowercase letters, digits and '-'")
    name: Name


class TenantUpdate(BaseModel):
    name: Name


class KeyCreate(BaseModel):
    role: str = Field(pattern="^(viewer|technician|operator|admin)$")
    name: OptionalName = ""
    tenant_id: int | None = Field(default=None, ge=1, le=2**53, description="admin of the network owner only")


class KeyPublic(BaseModel):
    prefix: str
    role: str
    name: str
    tenant_id: int


class KeyCreated(KeyPublic):
    token: str = Field(description="shown once; store it now")


class WhoAmI(BaseModel):
    prefix: str
    role: str
    tenant_id: int
    all_tenants: bool


class QuarantinePublic(BaseModel):
    dev_eui: str
    first_seen: datetime
    last_seen: datetime
    uplinks: int
    last_f_port: int
    ports: list[int] = Field(default_factory=list)
    last_f_cnt: int | None = Field(default=None, description="the newest frame counter heard")
    device_name: str | None = Field(default=None, description="the network server's name of the device")
    device_profile: str | None = Field(
        default=None, description="the network server's kind of device (device profile, brand/model)"
    )
    ignored: bool = False


class UplinkPublic(BaseModel):
    id: int
    dev_eui: str
    f_port: int
    f_cnt: int | None
    payload_hex: str
    received_at: datetime
    lns: str
    state: str
    error: str | None
    decoder: str | None


class DeadLetterPublic(BaseModel):
    id: int
    received_at: datetime
    topic: str
    error: str
    body_preview: str


class ModelPublic(BaseModel):
    model_id: str
    name: str
    ports: list[int]
    quantities: list[str]
    datasheet: str
    version: str


class TimeRange(BaseModel):
    start: AwareDatetime
    end: AwareDatetime


class MeterReplacementCreate(BaseModel):
    """A replaced meter: when, and the indexes read off the old and the new one."""

    model_config = ConfigDict(allow_inf_nan=False)

    at: AwareDatetime
    quantity: str = Field(
        max_length=64, description="the stored quantity, e.g. water_volume (after pulse weighting)"
    )
    channel: Annotated[str, Field(max_length=20), Printable] = ""
    old_final_index: float = Field(ge=0, description="the old meter's last index, in the quantity's unit")
    new_initial_index: float = Field(ge=0, description="the new meter's first index")
    note: Note = ""


class MeterReplacementPublic(MeterReplacementCreate):
    dev_eui: str
