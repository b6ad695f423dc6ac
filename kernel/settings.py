"""Typed settings, read once at start-up from RELEVE_* environment variables and an optional TOML file.

Precedence: explicit keyword arguments > environment > TOML file (``RELEVE_CONFIG`` or
``--config``) > defaults. Secrets are SecretStr and never printed.

The settings are msgspec structures, checked by ``msgspec.convert``: msgspec already parses the
bridge's envelopes, and pydantic with pydantic-settings cost each of the bridge's two processes
10.2 MB for these few lines (BENCHMARKS.md, twenty-second round). A value that does not fit is a
SettingsError naming the variable or the file's key it came from.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from urllib.parse import unquote, urlsplit

import msgspec

from kernel.fields import check_characters

PREFIX: Final = "RELEVE_"

log = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A setting that does not fit, named as the user wrote it (``RELEVE_API_PORT: ...``)."""


class SecretStr:
    """A secret that prints as stars: read it with ``get_secret_value()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class MqttTarget(msgspec.Struct, frozen=True, kw_only=True):
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


def _default_topics() -> list[str]:
    return ["application/+/device/+/event/+"]


class Source(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One network server feeding releve through MQTT (several may run side by side)."""

    name: str = "default"
    lns: Literal[
        "auto", "chirpstack_v4", "chirpstack_v3", "tts_v3", "thingpark", "live_objects", "helium"
    ] = "auto"
    topics: list[str] = msgspec.field(default_factory=_default_topics)
    # This source's broker; RELEVE_MQTT_URL when unset.
    mqtt_url: str | None = None

    def __post_init__(self) -> None:
        if self.mqtt_url:
            MqttTarget.parse(self.mqtt_url)


def _one_source() -> list[Source]:
    return [Source()]


def _bounded(low: float, high: float) -> msgspec.Meta:
    return msgspec.Meta(ge=low, le=high)


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything releve reads from its environment. See the README's configuration table.

    ``load_settings`` reads and checks them; building one directly (tests, ``releve run``'s
    embedded broker) takes the values as given."""

    data_dir: Path = Path("./data")
    mqtt_url: str | None = None
    mqtt_client_id: str = "releve-bridge"
    mqtt_shared_group: str | None = None
    mqtt_protocol: Literal["5", "3.1.1"] = "5"
    embedded_broker: Literal["auto", "mosquitto", "amqtt"] = "auto"
    mqtt_ca_file: Path | None = None
    sources: Annotated[list[Source], msgspec.Meta(min_length=1)] = msgspec.field(default_factory=_one_source)
    store_url: str | None = None
    registry_url: str | None = None
    api_host: str = "127.0.0.1"
    api_port: Annotated[int, _bounded(1, 65535)] = 8000
    timezone: str = "Europe/Paris"
    raw_retention_days: int = 400
    master_key: SecretStr | None = None
    alerts_interval_s: int = 300
    open_data_min_group: Annotated[int, msgspec.Meta(ge=1)] = 5
    # Who publishes the open data (the catalog's publisher and contact point): the town. Unset,
    # the network owner's tenant name stands in.
    town_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    town_email: Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = (
        None
    )
    # Where re-users reach releve (https://data.example.fr): the links of the open-data catalog.
    # Unset, the address the request came to (right unless a proxy rewrites it).
    public_url: (
        Annotated[str, msgspec.Meta(max_length=300, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")] | None
    ) = None
    # How old a consumption series an API process may serve (api.http_cache); 0: no cache.
    api_cache_ttl_s: Annotated[float, _bounded(0, 300)] = 10.0
    alert_webhook_url: str | None = None
    # "process": ``releve bridge`` decodes and stores in a second process, reading the archive
    # (gateway_bridge.processor), so that the intake and the processing each have a core;
    # "thread": both in one process (one core), as ``releve run`` does.
    bridge_processor: Literal["process", "thread"] = "process"
    bridge_batch_size: int = 500
    bridge_queue_size: int = 5000
    # A batch closes when full or this long after its first message.
    bridge_linger_s: Annotated[float, _bounded(0, 5)] = 1.0
    # How long the bridge may hold rollups folded in memory before writing them (InfluxDB): each
    # write of a period rewrites a point, and InfluxDB 1.x spends most of its time on those.
    bridge_rollup_flush_s: Annotated[float, _bounded(0, 300)] = 30.0
    # ... or until this many rollup points (or uplinks behind them) wait: a catch-up's memory.
    bridge_rollup_max_points: Annotated[int, _bounded(1000, 10_000_000)] = 200_000
    # How long it may hold the current day's and month's (never less than the above): its
    # uplinks are marked processed only once they are written.
    bridge_day_flush_s: Annotated[float, _bounded(0, 3600)] = 300.0
    # Reading times releve stores (ingest.plausibility): none before this date (nor before a
    # device's installation date), none more than this many seconds after their uplink arrived.
    reading_earliest: date = date(2015, 1, 1)
    reading_max_future_s: Annotated[int, _bounded(0, 7 * 86400)] = 300
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        """What the fields' types do not say; the message starts with the field's name, which
        ``settings_from_values`` turns into where the value came from (``_explain``)."""
        for name, check in _CHECKS.items():
            value = getattr(self, name)
            if value is not None:
                try:
                    check(value)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
        names = [source.name for source in self.sources]
        if twice := sorted({name for name in names if names.count(name) > 1}):
            # (each source's name is in its MQTT client id: two alike would take turns on the broker)
            alike = ", ".join(map(repr, twice))
            raise ValueError(f"sources: each needs a name of its own, {alike} is used twice")

    @property
    def mqtt(self) -> MqttTarget | None:
        return MqttTarget.parse(self.mqtt_url) if self.mqtt_url else None

    @property
    def effective_store_url(self) -> str:
        return self.store_url or f"sqlite:///{(self.data_dir / 'readings.db').as_posix()}"

    @property
    def effective_registry_url(self) -> str:
        return self.registry_url or f"sqlite:///{(self.data_dir / 'registry.db').as_posix()}"

    def replace(self, **changes: Any) -> Settings:
        """These settings with ``changes`` (values of the fields' own types)."""
        return msgspec.structs.replace(self, **changes)


def _check_mqtt_url(url: str) -> None:
    if url:
        MqttTarget.parse(url)


def _check_master_key(key: SecretStr) -> None:
    raw = key.get_secret_value()
    if len(raw) != 64 or any(ch not in "0123456789abcdefABCDEF" for ch in raw):
        raise ValueError("the master key is 64 hexadecimal digits (e.g. `openssl rand -hex 32`)")


def _check_town_name(name: str) -> None:
    check_characters(name)


# What a field's type does not say (ValueError), checked by ``Settings.__post_init__``.
_CHECKS: Final[dict[str, Callable[[Any], None]]] = {
    "mqtt_url": _check_mqtt_url,
    "town_name": _check_town_name,
    "master_key": _check_master_key,
}

# The settings' fields by name: the environment's variables and the messages' keys are looked up here.
_FIELDS: Final = {field.name: field for field in msgspec.structs.fields(Settings)}

# Fields given as JSON in the environment (RELEVE_SOURCES='[{"name": "town", ...}]').
_JSON_FIELDS: Final = frozenset({"sources"})


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: TOML file values (if any) under environment values and overrides.

    SettingsError (a ValueError) names the first value that does not fit, and where it came from.
    """
    path = config_file or (Path(os.environ["RELEVE_CONFIG"]) if os.environ.get("RELEVE_CONFIG") else None)
    origins: dict[str, str] = {}
    merged: dict[str, Any] = {}
    if path is not None:
        with path.open("rb") as fh:
            try:
                file_values = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"{path}: not TOML: {exc}") from None
        merged.update(file_values)
        origins.update({key: f"{key} in {path}" for key in file_values})
    environment = environment_values(os.environ)
    merged.update(environment)
    origins.update({key: f"{PREFIX}{key.upper()}" for key in environment})
    merged.update(overrides)
    origins.update({key: key for key in overrides})
    return settings_from_values(merged, origins)


def environment_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings' values among ``environ``'s RELEVE_* variables, by field name (any case).

    Other RELEVE_* variables (``RELEVE_CONFIG``, a helper's own) are left alone, with a warning
    where one is spelt like a setting (``RELEVE_API_PROT``: a typo would otherwise leave the
    default in place without a word). An empty value of a setting that may be unset unsets it."""
    values: dict[str, Any] = {}
    for name, text in environ.items():
        if not name.upper().startswith(PREFIX):
            continue
        key = name[len(PREFIX) :].lower()
        field = _FIELDS.get(key)
        if field is None:
            if like := difflib.get_close_matches(key, _FIELDS, n=1, cutoff=0.85):
                log.warning("%s is not a setting of releve (ignored): %s%s?", name, PREFIX, like[0].upper())
            continue
        if text == "" and field.default is None:
            values[key] = None
        elif key in _JSON_FIELDS:
            try:
                values[key] = msgspec.json.decode(text)
            except msgspec.DecodeError as exc:
                raise SettingsError(f"{name}: not JSON: {exc}") from None
        else:
            values[key] = text
    return values


def settings_from_values(values: Mapping[str, Any], origins: Mapping[str, str] | None = None) -> Settings:
    """Settings checked from ``values`` (text as the environment gives it is converted)."""
    try:
        return msgspec.convert(dict(values), Settings, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise SettingsError(_explain(str(exc), origins or {})) from None


def _decode(kind: type, value: Any) -> Any:
    """What msgspec does not convert by itself: paths and secrets, from text."""
    if kind is Path and isinstance(value, str | Path):
        return Path(value)
    if kind is SecretStr and isinstance(value, str | SecretStr):
        return value if isinstance(value, SecretStr) else SecretStr(value)
    raise NotImplementedError


def _explain(message: str, origins: Mapping[str, str]) -> str:
    """msgspec's ``Expected `int`, got `str` - at `$.api_port``` as ``RELEVE_API_PORT: Expected
    `int`, got `str```, ``... - at `$.sources[0].lns``` as ``RELEVE_SOURCES[0].lns: ...``, and
    ``Settings.__post_init__``'s ``master_key: ...`` as ``RELEVE_MASTER_KEY: ...``; an unknown
    key of the TOML file named with its file."""
    text, marker, where = message.rpartition(" - at `$.")
    if marker and (found := re.fullmatch(r"([A-Za-z0-9_]+)(.*)`", where)):
        key, rest = found.groups()
        return f"{origins.get(key, key)}{rest}: {text}"
    if unknown := re.fullmatch(r"Object contains unknown field `([^`]*)`", message):
        # (a key of the TOML file, or an argument: the environment's are left alone)
        return f"{origins.get(unknown[1], unknown[1])}: not a setting of releve (see the README)"
    key, colon, rest = message.partition(": ")
    return f"{origins.get(key, key)}: {rest}" if colon and key in _FIELDS else message
