"""Network-server envelopes -> releve events (pure: no I/O).

``parse(topic, body, lns=None)`` reads one MQTT message of ChirpStack v4 (JSON or protobuf),
ChirpStack v3, The Things Stack v3, Actility ThingPark, Orange Live Objects or Helium, detecting
the network server from the topic and the body unless the source says which it is. Anything
unreadable raises an EnvelopeError subclass.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway_bridge.envelopes import chirpstack, fast_v4, operators, tts
from gateway_bridge.envelopes.common import load_json
from gateway_bridge.envelopes.errors import EnvelopeError, MalformedEnvelope, UnknownFormat
from gateway_bridge.envelopes.events import DeviceLog, DeviceStatus, Event, Ignored, JoinEvent
from kernel.types import Lns

__all__ = [
    "DeviceLog",
    "DeviceStatus",
    "EnvelopeError",
    "Event",
    "Ignored",
    "JoinEvent",
    "MalformedEnvelope",
    "UnknownFormat",
    "parse",
]

MAX_BODY = 256 * 1024  # a LoRaWAN uplink envelope is a few kB; anything this big is hostile


def parse(topic: str, body: bytes, lns: Lns | None = None, *, now: datetime | None = None) -> Event:
    """Read one message; ``now`` is the fallback reception time when the envelope has none."""
    now = now or datetime.now(UTC)
    if len(body) > MAX_BODY:
        raise MalformedEnvelope(f"message of {len(body)} bytes is larger than any envelope ({MAX_BODY})")
    if not body.strip():
        raise MalformedEnvelope("empty message")
    cs = chirpstack.topic_parts(topic)
    if cs is not None and lns in (None, Lns.CHIRPSTACK_V4, Lns.CHIRPSTACK_V3):
        _, topic_eui, event = cs
        if not body.lstrip().startswith(b"{"):
            if lns is Lns.CHIRPSTACK_V3:
                raise MalformedEnvelope(
                    "ChirpStack v3 protobuf marshaler is not supported: use json or json_v3"
                )
            return chirpstack.parse_v4_protobuf(event, body, topic_eui, now)
        if event == "up" and lns in (None, Lns.CHIRPSTACK_V4):
            uplink = fast_v4.parse_up(body, topic_eui, now)  # the common case, in one typed pass
            if uplink is not None:
                return uplink
        doc = load_json(body)
        if lns is Lns.CHIRPSTACK_V4 or (lns is None and "deviceInfo" in doc):
            return chirpstack.parse_v4(event, doc, topic_eui, now)
        if lns is Lns.CHIRPSTACK_V3 or "devEUI" in doc or "applicationID" in doc:
            return chirpstack.parse_v3(event, doc, topic_eui, now)
        raise UnknownFormat("a ChirpStack topic, but neither a v4 (deviceInfo) nor a v3 (devEUI) body")
    ts = tts.topic_parts(topic)
    if ts is not None and lns in (None, Lns.TTS_V3):
        _, device_id, event = ts
        return tts.parse(event, load_json(body), device_id, now)
    if lns in (None, Lns.THINGPARK, Lns.LIVE_OBJECTS, Lns.HELIUM) and body.lstrip().startswith(b"{"):
        doc = load_json(body)
        if lns in (None, Lns.THINGPARK) and operators.is_thingpark(doc):
            return operators.parse_thingpark(doc, now)
        if lns in (None, Lns.LIVE_OBJECTS) and operators.is_live_objects(doc):
            return operators.parse_live_objects(doc, now)
        if lns in (None, Lns.HELIUM) and operators.is_helium(doc):
            return operators.parse_helium(doc, now)
    raise UnknownFormat(f"no supported network server publishes on {topic!r}" + (f" as {lns}" if lns else ""))
