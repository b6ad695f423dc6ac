"""ChirpStack v4 (JSON and Protobuf marshalers) and v3 (json_v3 and json marshalers) events.

Topics: ``application/{application}/device/{dev_eui}/event/{event}`` for both versions (v3
before 3.11 used ``.../device/{dev_eui}/{rx|join|...}``). A v4 body has ``deviceInfo``; a v3
body has ``devEUI``. A v4 body that does not start with ``{`` is protobuf
(``integration.UplinkEvent`` and friends from the ``chirpstack-api`` package).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from gateway_bridge.envelopes import common as c
from gateway_bridge.envelopes.errors import MalformedEnvelope
from gateway_bridge.envelopes.events import DeviceLog, DeviceStatus, Event, Ignored, JoinEvent
from kernel.types import Lns, Reception, Uplink

V3_EVENT_ALIASES = {"rx": "up"}


def topic_parts(topic: str) -> tuple[str | None, str | None, str] | None:
    """(application id, DevEUI, event) of a ChirpStack topic, or None if it is not one."""
    parts = topic.split("/")
    if len(parts) == 6 and parts[0] == "application" and parts[2] == "device" and parts[4] == "event":
        return parts[1], parts[3], parts[5]
    if len(parts) == 5 and parts[0] == "application" and parts[2] == "device":
        return parts[1], parts[3], V3_EVENT_ALIASES.get(parts[4], parts[4])
    return None


# -- v4 ------------------------------------------------------------------------------------------
def _v4_receptions(doc: dict[str, Any], now: datetime) -> tuple[list[Reception], datetime]:
    """The receptions, and the uplink's time: ``time`` is ChirpStack's best reception time (a
    gateway's GPS, else a gateway's clock, else its own); each ``rxInfo[].nsTime`` (v4.6+) is the
    network server's own clock, which wins when the two disagree (``common.uplink_time``).
    Each reception's times are read once, for both."""
    receptions: list[Reception] = []
    gateway_times: list[datetime | None] = []
    server: datetime | None = None
    for rx in c.items(doc, "rxInfo"):
        location = c.obj(rx, "location")
        gateway, ns = _gateway_time(rx), c.timestamp(rx.get("nsTime"), "nsTime")
        gateway_times.append(gateway)
        if server is None:
            server = ns
        receptions.append(
            Reception(
                gateway_id=c.eui(rx.get("gatewayId", ""), "gatewayId"),
                rssi=c.number(rx, "rssi"),
                snr=c.number(rx, "snr") or 0.0,  # omitted when 0.0
                time=c.plausible(gateway, ns),
                latitude=c.number(location, "latitude"),
                longitude=c.number(location, "longitude"),
            )
        )
    event = c.timestamp(doc.get("time"), "time")
    return receptions, c.uplink_time(now, event, *gateway_times, server=server)


def _gateway_time(rx: dict[str, Any]) -> datetime | None:
    return c.timestamp(rx.get("gwTime"), "gwTime") or c.timestamp(rx.get("time"), "time")


def parse_v4(event: str, doc: dict[str, Any], topic_eui: str | None, now: datetime) -> Event:
    info = c.obj(doc, "deviceInfo")
    raw_eui = info.get("devEui") or topic_eui
    if raw_eui is None:
        raise MalformedEnvelope("no DevEUI in deviceInfo nor topic")
    dev_eui = c.eui(raw_eui)
    if event == "up":
        receptions, received_at = _v4_receptions(doc, now)
        tx = c.obj(doc, "txInfo")
        lora = c.obj(c.obj(tx, "modulation"), "lora")
        decoded = doc.get("object")
        return Uplink(
            dev_eui=dev_eui,
            f_port=c.integer(doc, "fPort", default=0, hi=255) or 0,
            f_cnt=c.integer(doc, "fCnt", default=0),
            payload=c.b64(doc.get("data"), "data"),
            received_at=received_at,
            lns=Lns.CHIRPSTACK_V4,
            receptions=tuple(receptions),
            dev_addr=c.text(doc, "devAddr"),
            device_name=c.text(info, "deviceName"),
            device_profile=c.label(info.get("deviceProfileName")),
            application_id=c.text(info, "applicationId"),
            lns_event_id=c.text(doc, "deduplicationId"),
            confirmed=bool(doc.get("confirmed", False)),
            spreading_factor=c.integer(lora, "spreadingFactor", hi=12),
            frequency_hz=c.integer(tx, "frequency", hi=10**10),
            encrypted=bool(doc.get("joinServerContext")),
            decoded_object=decoded if isinstance(decoded, dict) else None,
        )
    time = c.plausible(c.timestamp(doc.get("time"), "time")) or now
    if event == "status":
        unavailable = bool(doc.get("batteryLevelUnavailable", False))
        return DeviceStatus(
            dev_eui=dev_eui,
            time=time,
            lns=Lns.CHIRPSTACK_V4,
            battery_level=None if unavailable else c.number(doc, "batteryLevel"),
            external_power=bool(doc.get("externalPowerSource", False)),
            margin_db=c.number(doc, "margin"),
        )
    if event == "join":
        return JoinEvent(dev_eui, time, Lns.CHIRPSTACK_V4, c.text(doc, "devAddr"))
    if event == "log":
        return DeviceLog(
            dev_eui=dev_eui,
            time=time,
            lns=Lns.CHIRPSTACK_V4,
            level=c.text(doc, "level") or "INFO",
            code=c.text(doc, "code") or "",
            description=c.text(doc, "description") or "",
        )
    return Ignored(Lns.CHIRPSTACK_V4, event, dev_eui)


_PROTO_EVENTS = {"up": "UplinkEvent", "status": "StatusEvent", "join": "JoinEvent", "log": "LogEvent"}


def parse_v4_protobuf(event: str, body: bytes, topic_eui: str | None, now: datetime) -> Event:
    """Decode a protobuf event with chirpstack-api and read it as its JSON mapping."""
    from chirpstack_api import integration
    from google.protobuf import json_format
    from google.protobuf.message import DecodeError

    name = _PROTO_EVENTS.get(event)
    if name is None:
        return Ignored(Lns.CHIRPSTACK_V4, event, c.eui(topic_eui) if topic_eui else None)
    try:
        message = getattr(integration, name).FromString(body)
        doc = json_format.MessageToDict(message)
    except (DecodeError, ValueError, TypeError) as exc:
        raise MalformedEnvelope(f"not a ChirpStack v4 {name}: {exc}") from exc
    return parse_v4(event, doc, topic_eui, now)


# -- v3 ------------------------------------------------------------------------------------------
def _v3_reception(rx: dict[str, Any]) -> Reception:
    location = c.obj(rx, "location")
    return Reception(
        gateway_id=c.eui_hex_or_b64(rx.get("gatewayID", ""), "gatewayID"),
        rssi=c.number(rx, "rssi"),
        snr=c.number(rx, "loRaSNR"),
        time=c.plausible(c.timestamp(rx.get("time"), "time")),
        latitude=c.number(location, "latitude"),
        longitude=c.number(location, "longitude"),
    )


def _v3_object(doc: dict[str, Any]) -> dict[str, Any] | None:
    value = doc.get("object")
    if isinstance(value, dict):
        return value
    raw = doc.get("objectJSON")
    if isinstance(raw, str) and raw:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None  # the LNS codec's output is only informative
        return parsed if isinstance(parsed, dict) else None
    return None


def parse_v3(event: str, doc: dict[str, Any], topic_eui: str | None, now: datetime) -> Event:
    raw_eui = doc.get("devEUI") or topic_eui
    if raw_eui is None:
        raise MalformedEnvelope("no devEUI")
    dev_eui = c.eui_hex_or_b64(raw_eui)
    if event == "up":
        receptions = [_v3_reception(rx) for rx in c.items(doc, "rxInfo")]
        tx = c.obj(doc, "txInfo")
        lora = c.obj(tx, "loRaModulationInfo")
        dev_addr = doc.get("devAddr")
        return Uplink(
            dev_eui=dev_eui,
            f_port=c.integer(doc, "fPort", default=0, hi=255) or 0,
            f_cnt=c.integer(doc, "fCnt", default=0),
            payload=c.b64(doc.get("data"), "data"),
            received_at=c.uplink_time(
                now, c.timestamp(doc.get("publishedAt"), "publishedAt"), *(r.time for r in receptions)
            ),
            lns=Lns.CHIRPSTACK_V3,
            receptions=tuple(receptions),
            dev_addr=_dev_addr(dev_addr),
            device_name=c.text(doc, "deviceName"),
            application_id=str(doc["applicationID"]) if doc.get("applicationID") is not None else None,
            confirmed=bool(doc.get("confirmedUplink", False)),
            spreading_factor=c.integer(lora, "spreadingFactor", hi=12),
            frequency_hz=c.integer(tx, "frequency", hi=10**10),
            decoded_object=_v3_object(doc),
        )
    time = c.plausible(c.timestamp(doc.get("publishedAt"), "publishedAt")) or now
    if event == "status":
        unavailable = bool(doc.get("batteryLevelUnavailable", False))
        return DeviceStatus(
            dev_eui=dev_eui,
            time=time,
            lns=Lns.CHIRPSTACK_V3,
            battery_level=None if unavailable else c.number(doc, "batteryLevel"),
            external_power=bool(doc.get("externalPowerSource", False)),
            margin_db=c.number(doc, "margin"),
        )
    if event == "join":
        return JoinEvent(dev_eui, time, Lns.CHIRPSTACK_V3, _dev_addr(doc.get("devAddr")))
    if event == "error":
        return DeviceLog(
            dev_eui=dev_eui,
            time=time,
            lns=Lns.CHIRPSTACK_V3,
            level="ERROR",
            code=c.text(doc, "type") or "",
            description=c.text(doc, "error") or "",
        )
    return Ignored(Lns.CHIRPSTACK_V3, event, dev_eui)


def _dev_addr(value: object) -> str | None:
    """DevAddr in hex (json_v3) or base64 (json): 4 bytes either way."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 8 and all(ch in "0123456789abcdefABCDEF" for ch in value):
        return value.lower()
    raw = c.b64(value, "devAddr")
    if len(raw) != 4:
        raise MalformedEnvelope(f"devAddr must be 4 bytes, got {len(raw)}")
    return raw.hex()


def utc_now() -> datetime:
    return datetime.now(UTC)
