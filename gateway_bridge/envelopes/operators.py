"""Operators' network servers, read as JSON over MQTT: Actility ThingPark, Orange Live Objects, Helium.

Their topics are set by the operator (``mqtt/things/{DevEUI}/uplink``, ``fifo/{name}``,
``helium/{id}/rx``...), so these are recognized by the body: ``DevEUI_uplink`` (ThingPark),
a ``urn:lo:nsid:lora:`` stream (Live Objects), ``hotspots`` with ``dev_eui`` (Helium).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway_bridge.envelopes import common as c
from gateway_bridge.envelopes.errors import MalformedEnvelope
from gateway_bridge.envelopes.events import Event, Ignored
from kernel.types import Lns, Reception, Uplink

_LO_PREFIX = "urn:lo:nsid:lora:"


def _hex(value: object, what: str) -> bytes:
    if value is None or value == "":
        return b""
    if not isinstance(value, str):
        raise MalformedEnvelope(f"{what} must be a hex string")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise MalformedEnvelope(f"{what} is not hexadecimal") from exc


def _num(doc: dict[str, Any], key: str) -> float | None:
    """ThingPark's older layout sends numbers as strings ("-80.000000")."""
    value = doc.get(key)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError as exc:
            raise MalformedEnvelope(f"{key!r} is not a number: {value!r}") from exc
    return c.number(doc, key)


def _int(doc: dict[str, Any], key: str, hi: int = 2**32 - 1) -> int | None:
    value = _num(doc, key)
    if value is None:
        return None
    if value != int(value) or not 0 <= value <= hi:
        raise MalformedEnvelope(f"{key!r} out of range: {value}")
    return int(value)


def is_thingpark(doc: dict[str, Any]) -> bool:
    return "DevEUI_uplink" in doc


def parse_thingpark(doc: dict[str, Any], now: datetime) -> Event:
    up = c.obj(doc, "DevEUI_uplink", required=True)
    dev_eui = c.eui(up.get("DevEUI"))
    if "rawJoinRequest" in up or (up.get("FPort") is None and up.get("MType") in (0, "0")):
        return Ignored(Lns.THINGPARK, "join_request", dev_eui)
    receptions = [
        Reception(
            gateway_id=(c.text(lrr, "Lrrid") or "").lower(),
            rssi=_num(lrr, "LrrRSSI"),
            snr=_num(lrr, "LrrSNR"),
        )
        for lrr in c.items(c.obj(up, "Lrrs"), "Lrr")
    ]
    if not receptions and up.get("Lrrid"):
        receptions = [Reception((c.text(up, "Lrrid") or "").lower(), _num(up, "LrrRSSI"), _num(up, "LrrSNR"))]
    frequency = _num(up, "Frequency")
    decoded = up.get("payload")
    return Uplink(
        dev_eui=dev_eui,
        f_port=_int(up, "FPort", 255) or 0,
        f_cnt=_int(up, "FCntUp"),
        payload=_hex(up.get("payload_hex"), "payload_hex"),
        received_at=c.uplink_time(now, c.timestamp(up.get("Time"), "Time")),
        lns=Lns.THINGPARK,
        receptions=tuple(receptions),
        dev_addr=(c.text(up, "DevAddr") or "").lower() or None,
        device_name=c.text(c.obj(up, "CustomerData"), "name"),
        device_profile=_driver(up),
        confirmed=_int(up, "AckRequested") == 1,
        spreading_factor=_int(up, "SpFact", 12) or _int(up, "Spfact", 12),
        frequency_hz=round(frequency * 1_000_000) if frequency else None,
        decoded_object=decoded if isinstance(decoded, dict) else None,
    )


def _driver(up: dict[str, Any]) -> str | None:
    """ThingPark's driver of the device (its maker and model), as ``maker/model``."""
    driver = up.get("DriverCfg")
    if not isinstance(driver, dict):
        return None
    part = driver.get("mod") if isinstance(driver.get("mod"), dict) else driver.get("app")
    if isinstance(part, dict):
        return c.label(part.get("pId"), part.get("mId"))
    return c.label(driver.get("id"))


def is_live_objects(doc: dict[str, Any]) -> bool:
    stream = doc.get("streamId")
    return isinstance(stream, str) and stream.startswith(_LO_PREFIX)


def parse_live_objects(doc: dict[str, Any], now: datetime) -> Event:
    lora = c.obj(c.obj(c.obj(doc, "metadata"), "network"), "lora")
    raw_eui = lora.get("devEUI") or str(doc["streamId"])[len(_LO_PREFIX) :]
    dev_eui = c.eui(raw_eui)
    location = c.obj(lora, "location")
    # Live Objects gives only a summary of the best gateway, not which one it was.
    best = Reception(
        gateway_id="",
        rssi=c.number(lora, "rssi"),
        snr=c.number(lora, "snr"),
        latitude=c.number(location, "lat"),
        longitude=c.number(location, "lon"),
    )
    return Uplink(
        dev_eui=dev_eui,
        f_port=c.integer(lora, "port", default=0, hi=255) or 0,
        f_cnt=c.integer(lora, "fcnt", default=0),
        payload=_hex(c.obj(doc, "value").get("payload"), "value.payload"),
        # ``timestamp`` is the radio time, ``created`` the platform's own clock
        received_at=c.uplink_time(
            now,
            c.timestamp(doc.get("timestamp"), "timestamp"),
            server=c.timestamp(doc.get("created"), "created"),
        ),
        lns=Lns.LIVE_OBJECTS,
        receptions=(best,),
        lns_event_id=c.text(doc, "id"),
        confirmed=lora.get("messageType") == "CONFIRMED_DATA_UP",
        spreading_factor=c.integer(lora, "sf", hi=12),
    )


def is_helium(doc: dict[str, Any]) -> bool:
    return "dev_eui" in doc and ("hotspots" in doc or "payload" in doc)


def parse_helium(doc: dict[str, Any], now: datetime) -> Event:
    dev_eui = c.eui(doc.get("dev_eui"))
    receptions = []
    for hs in c.items(doc, "hotspots"):
        lat, lon = hs.get("lat"), hs.get("long")
        receptions.append(
            Reception(
                gateway_id=c.text(hs, "id") or "",
                rssi=c.number(hs, "rssi"),
                snr=c.number(hs, "snr"),
                time=_ms(hs.get("reported_at")),
                latitude=float(lat) if isinstance(lat, int | float) else None,
                longitude=float(lon) if isinstance(lon, int | float) else None,
            )
        )
    decoded = c.obj(doc, "decoded").get("payload")
    return Uplink(
        dev_eui=dev_eui,
        f_port=c.integer(doc, "port", default=0, hi=255) or 0,
        f_cnt=c.integer(doc, "fcnt", default=0),
        payload=c.b64(doc.get("payload"), "payload"),
        received_at=c.uplink_time(now, _ms(doc.get("reported_at")), *(r.time for r in receptions)),
        lns=Lns.HELIUM,
        receptions=tuple(receptions),
        dev_addr=(c.text(doc, "devaddr") or "").lower() or None,
        device_name=c.text(doc, "name"),
        lns_event_id=c.text(doc, "id"),
        decoded_object=decoded if isinstance(decoded, dict) else None,
    )


def _ms(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 10**14:
        return None
    return datetime.fromtimestamp(value / 1000, UTC)
