"""The Things Stack v3 (TTN, TTI Cloud, open source): ``v3/{app}[@{tenant}]/devices/{id}/{event}``.

TTS omits zero values (``f_port``, ``f_cnt``) and empty payloads, writes frequencies as strings,
and may send no ``dev_eui`` (devices registered by name only). releve keys devices on the
DevEUI: an uplink without one is taken from a ``eui-<16 hex>`` device id when it has that form;
a MAC-only uplink without it is ignored (it carries no application data), and a data uplink
without it is an error kept in the dead letters, so the device can be fixed in TTS.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway_bridge.envelopes import common as c
from gateway_bridge.envelopes.errors import MalformedEnvelope
from gateway_bridge.envelopes.events import Event, Ignored, JoinEvent
from kernel.types import Lns, Reception, Uplink, normalize_eui


def topic_parts(topic: str) -> tuple[str, str, str] | None:
    """(application, device id, event) of a TTS topic, or None."""
    parts = topic.split("/")
    if len(parts) >= 5 and parts[0] == "v3" and parts[2] == "devices":
        return parts[1], parts[3], "/".join(parts[4:])
    return None


def _dev_eui(ids: dict[str, Any], device_id: str | None) -> str | None:
    raw = ids.get("dev_eui")
    if raw:
        return c.eui(raw)
    if device_id and device_id.startswith("eui-"):
        try:
            return normalize_eui(device_id[4:])
        except ValueError:
            return None
    return None


def _reception(rx: dict[str, Any]) -> Reception:
    gw = c.obj(rx, "gateway_ids")
    location = c.obj(rx, "location")
    gateway = c.text(gw, "eui") or c.text(gw, "gateway_id") or ""
    return Reception(
        gateway_id=gateway.lower(),
        rssi=c.number(rx, "rssi") if rx.get("rssi") is not None else c.number(rx, "channel_rssi"),
        snr=c.number(rx, "snr"),
        time=c.plausible(
            c.timestamp(rx.get("time"), "time"), c.timestamp(rx.get("received_at"), "received_at")
        ),
        latitude=c.number(location, "latitude"),
        longitude=c.number(location, "longitude"),
    )


def parse(event: str, doc: dict[str, Any], topic_device: str | None, now: datetime) -> Event:
    ids = c.obj(doc, "end_device_ids")
    device_id = c.text(ids, "device_id") or topic_device
    dev_eui = _dev_eui(ids, device_id)
    time = c.plausible(c.timestamp(doc.get("received_at"), "received_at")) or now
    if event == "up":
        if doc.get("simulated") is True:
            return Ignored(Lns.TTS_V3, "simulated_uplink", dev_eui)  # typed in the Console, not radio
        up = c.obj(doc, "uplink_message", required=True)
        f_port = c.integer(up, "f_port", default=0, hi=255) or 0
        if dev_eui is None:
            if f_port == 0:
                return Ignored(Lns.TTS_V3, "mac_only_without_dev_eui")
            raise MalformedEnvelope(
                f"TTS uplink of device {device_id!r} has no dev_eui: set the DevEUI in TTS"
            )
        receptions = [_reception(rx) for rx in c.items(up, "rx_metadata")]
        settings = c.obj(up, "settings")
        lora = c.obj(c.obj(settings, "data_rate"), "lora")
        listed = doc.get("correlation_ids")  # absent, null or not a list: none
        correlation = [x for x in listed if isinstance(x, str)] if isinstance(listed, list) else []
        event_id = next((x for x in correlation if x.startswith("as:up:")), None) or next(
            (x for x in correlation if x.startswith("gs:uplink:")), None
        )
        decoded = up.get("decoded_payload")
        return Uplink(
            dev_eui=dev_eui,
            f_port=f_port,
            f_cnt=c.integer(up, "f_cnt", default=0),
            payload=c.b64(up.get("frm_payload"), "frm_payload"),
            received_at=c.uplink_time(
                now,
                c.timestamp(doc.get("received_at"), "received_at"),
                c.timestamp(up.get("received_at"), "uplink_message.received_at"),
                *(r.time for r in receptions),
            ),
            lns=Lns.TTS_V3,
            receptions=tuple(receptions),
            dev_addr=(c.text(ids, "dev_addr") or "").lower() or None,
            device_name=device_id,
            device_profile=_version(up.get("version_ids")),
            application_id=c.text(c.obj(ids, "application_ids"), "application_id"),
            lns_event_id=event_id,
            confirmed=bool(up.get("confirmed", False)),
            spreading_factor=c.integer(lora, "spreading_factor", hi=12),
            frequency_hz=c.integer(settings, "frequency", hi=10**10),
            decoded_object=decoded if isinstance(decoded, dict) and decoded else None,
        )
    if event == "join" and dev_eui is not None:
        return JoinEvent(dev_eui, time, Lns.TTS_V3, (c.text(ids, "dev_addr") or "").lower() or None)
    return Ignored(Lns.TTS_V3, event, dev_eui)


def _version(ids: object) -> str | None:
    """The device's brand and model as TTS knows them (the Device Repository's ids)."""
    return c.label(ids.get("brand_id"), ids.get("model_id")) if isinstance(ids, dict) else None
