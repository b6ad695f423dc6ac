"""Typed settings, read once at start-up from RELEVE_* environment variables and an optional TOML file.

Precedence: explicit keyword arguments > environment > TOML file (``RELEVE_CONFIG`` or
``--config``) > defaults. Secrets are SecretStr and never printed.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from kernel.fields import check_characters


class MqttTarget(BaseModel):
    """A broker address parsed from ``mqtt://user:pass@host:port`` or ``mqtts://``."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: SecretStr | None = None

    @classmethod
    def parse(cls, url: str) -> MqttTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {url!r}")
        tls = parts.scheme in ("mqtts", "ssl")
        if not parts.hostname:
            raise ValueError(f"MQTT URL has no host: {url!r}")
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=SecretStr(unquote(parts.password)) if parts.password else None,
        )


class Source(BaseModel):
    """One network server feeding releve through MQTT (several may run side by side)."""

    name: str = "default"
    lns: Literal[
        "auto", "chirpstack_v4", "chirpstack_v3", "tts_v3", "thingpark", "live_objects", "helium"
    ] = "auto"
    topics: list[str] = Field(default_factory=lambda: ["application/+/device/+/event/+"])
    mqtt_url: str | None = Field(default=None, description="this source's broker; default RELEVE_MQTT_URL")

    @field_validator("mqtt_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value:
            MqttTarget.parse(value)
        return value


class Settings(BaseSettings):
    """Everything releve reads from its environment. See the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="RELEVE_", extra="forbid", env_nested_delimiter="__")

    data_dir: Path = Path("./data")
    mqtt_url: str | None = None
    mqtt_client_id: str = "releve-bridge"
    mqtt_shared_group: str | None = None
    mqtt_protocol: Literal["5", "3.1.1"] = "5"
    embedded_broker: Literal["auto", "mosquitto", "amqtt"] = "auto"
    mqtt_ca_file: Path | None = None
    sources: list[Source] = Field(default_factory=lambda: [Source()])
    store_url: str | None = None
    registry_url: str | None = None
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    timezone: str = "Europe/Paris"
    raw_retention_days: int = 400
    master_key: SecretStr | None = None
    alerts_interval_s: int = 300
    open_data_min_group: int = Field(default=5, ge=1)
    # Who publishes the open data (the catalog's publisher and contact point): the town. Unset,
    # the network owner's tenant name stands in.
    town_name: str | None = Field(default=None, min_length=1, max_length=200)
    town_email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    # Where re-users reach releve (https://data.example.fr): the links of the open-data catalog.
    # Unset, the address the request came to (right unless a proxy rewrites it).
    public_url: str | None = Field(default=None, max_length=300, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    # How old a consumption series an API process may serve (api.http_cache); 0: no cache.
    api_cache_ttl_s: float = Field(default=10.0, ge=0, le=300)
    alert_webhook_url: str | None = None
    # "process": ``releve bridge`` decodes and stores in a second process, reading the archive
    # (gateway_bridge.processor), so that the intake and the processing each have a core;
    # "thread": both in one process (one core), as ``releve run`` does.
    bridge_processor: Literal["process", "thread"] = "process"
    bridge_batch_size: int = 500
    bridge_queue_size: int = 5000
    # A batch closes when full or this long after its first message.
    bridge_linger_s: float = Field(default=1.0, ge=0, le=5)
    # How long the bridge may hold rollups folded in memory before writing them (InfluxDB): each
    # write of a period rewrites a point, and InfluxDB 1.x spends most of its time on those.
    bridge_rollup_flush_s: float = Field(default=30.0, ge=0, le=300)
    # ... or until this many rollup points (or uplinks behind them) wait: a catch-up's memory.
    bridge_rollup_max_points: int = Field(default=200_000, ge=1000, le=10_000_000)
    # How long it may hold the current day's and month's (never less than the above): its
    # uplinks are marked processed only once they are written.
    bridge_day_flush_s: float = Field(default=300.0, ge=0, le=3600)
    # Reading times releve stores (ingest.plausibility): none before this date (nor before a
    # device's installation date), none more than this many seconds after their uplink arrived.
    reading_earliest: date = date(2015, 1, 1)
    reading_max_future_s: int = Field(default=300, ge=0, le=7 * 86400)
    log_level: str = "INFO"

    @field_validator("mqtt_url")
    @classmethod
    def _check_mqtt(cls, value: str | None) -> str | None:
        if value:
            MqttTarget.parse(value)
        return value

    @field_validator("town_name")
    @classmethod
    def _check_town(cls, value: str | None) -> str | None:
        return None if value is None else check_characters(value)

    @field_validator("master_key")
    @classmethod
    def _check_master_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value()
            if len(raw) != 64 or any(ch not in "0123456789abcdefABCDEF" for ch in raw):
                raise ValueError("the master key is 64 hexadecimal digits (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("api_port")
    @classmethod
    def _check_port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("port must be in 1..65535")
        return value

    @property
    def mqtt(self) -> MqttTarget | None:
        return MqttTarget.parse(self.mqtt_url) if self.mqtt_url else None

    @property
    def effective_store_url(self) -> str:
        return self.store_url or f"sqlite:///{(self.data_dir / 'readings.db').as_posix()}"

    @property
    def effective_registry_url(self) -> str:
        return self.registry_url or f"sqlite:///{(self.data_dir / 'registry.db').as_posix()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: TOML file values (if any) under environment values and overrides."""
    import os

    file_values: dict[str, Any] = {}
    path = config_file or (Path(os.environ["RELEVE_CONFIG"]) if os.environ.get("RELEVE_CONFIG") else None)
    if path is not None:
        with path.open("rb") as fh:
            file_values = tomllib.load(fh)
    env_keys = {k[len("RELEVE_") :].lower() for k in os.environ if k.startswith("RELEVE_")}
    merged = {k: v for k, v in file_values.items() if k not in env_keys}
    merged.update(overrides)
    return Settings(**merged)
