"""ChirpStack v4 JSON uplinks read in one typed pass: the bridge's common case, made cheap.

Almost every message a town's bridge takes is a ChirpStack v4 ``up`` event in JSON. Reading it
as a dictionary and checking each field in Python (``chirpstack.parse_v4``) took 19-20 us of
the intake's time per message, six times the JSON parse itself; this path takes 9.4-10.3 us
(BENCHMARKS.md, fifteenth round). Here msgspec decodes the body
straight into typed structures (the fields releve reads, every other one skipped) and checks
their JSON types in the same C pass; what is left in Python is what the types cannot say (a
DevEUI's form, a range, a base64 payload, which time to trust), done by the same helpers.

The slow path stays the judge of everything this one does not take: a body msgspec refuses (a
field of another JSON type, a digit string for a number, which the protobuf JSON mapping
writes, malformed JSON, bytes that are not UTF-8) returns None, and ``chirpstack.parse_v4``
reads it as before, with its own error. What this path accepts, it reads as ``parse_v4`` does:
property tests compare the two on real, mutated and generated envelopes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from gateway_bridge.envelopes import common as c
from gateway_bridge.envelopes.errors import MalformedEnvelope
from kernel.types import Lns, Reception, Uplink


class _Location(msgspec.Struct, gc=False):
    latitude: float | None = None
    longitude: float | None = None


class _Rx(msgspec.Struct, gc=False):
    gatewayId: str = ""  # (the envelope's own names)
    rssi: float | None = None
    snr: float | None = None
    gwTime: str | None = None
    nsTime: str | None = None
    time: str | None = None
    location: _Location | None = None


class _Lora(msgspec.Struct, gc=False):
    spreadingFactor: int | None = None


class _Modulation(msgspec.Struct, gc=False):
    lora: _Lora | None = None


class _Tx(msgspec.Struct, gc=False):
    frequency: int | None = None
    modulation: _Modulation | None = None


class _DeviceInfo(msgspec.Struct, gc=False):
    devEui: Any = None  # (checked by ``common.eui``, as the slow path does)
    deviceName: str | None = None
    deviceProfileName: Any = None  # (informative: ``common.label`` keeps text only)
    applicationId: str | None = None


class _Up(msgspec.Struct, gc=False):
    deviceInfo: _DeviceInfo | None  # (required: without it the body is not v4)
    fCnt: int | None = None
    fPort: int | None = None
    data: str | None = None
    time: str | None = None
    devAddr: str | None = None
    deduplicationId: str | None = None
    confirmed: Any = False
    joinServerContext: Any = None
    rxInfo: list[_Rx] | None = None
    txInfo: _Tx | None = None
    object: Any = None


_DECODER = msgspec.json.Decoder(_Up)
_NO_INFO = _DeviceInfo()
_NO_TX = _Tx()
_NO_LORA = _Lora()


def parse_up(body: bytes, topic_eui: str | None, now: datetime) -> Uplink | None:
    """A v4 JSON ``up`` event as ``chirpstack.parse_v4`` reads it; None when its JSON types are
    not the common ones (the slow path then reads it, or says what is wrong)."""
    try:
        if not body.isascii():
            body.decode()  # msgspec does not check the fields it skips: JSON is UTF-8 throughout
        doc = _DECODER.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None  # (RecursionError: a codec's object nested too deep, which orjson refuses too)
    info = doc.deviceInfo or _NO_INFO
    raw_eui = info.devEui or topic_eui
    if raw_eui is None:
        raise MalformedEnvelope("no DevEUI in deviceInfo nor topic")
    dev_eui = c.eui(raw_eui)
    receptions: list[Reception] = []
    gateway_times: list[datetime | None] = []
    server: datetime | None = None
    stamp, eui, plausible = c.timestamp, c.eui, c.plausible
    for rx in doc.rxInfo or ():
        # (each time read only where given: most envelopes carry none per reception)
        gateway = (rx.gwTime and stamp(rx.gwTime, "gwTime")) or (rx.time and stamp(rx.time, "time")) or None
        ns = stamp(rx.nsTime, "nsTime") if rx.nsTime else None
        gateway_times.append(gateway)
        if server is None:
            server = ns
        location = rx.location
        receptions.append(
            Reception(
                eui(rx.gatewayId, "gatewayId"),
                rx.rssi,
                rx.snr or 0.0,  # omitted when 0.0
                plausible(gateway, ns) if gateway or ns else None,
                location.latitude if location is not None else None,
                location.longitude if location is not None else None,
            )
        )
    event = c.timestamp(doc.time, "time")
    received_at = c.uplink_time(now, event, *gateway_times, server=server)
    tx = doc.txInfo or _NO_TX
    lora = (tx.modulation.lora if tx.modulation is not None else None) or _NO_LORA
    decoded = doc.object
    return Uplink(  # positional, in the fields' order (keywords cost a third more here)
        dev_eui,
        _within(doc.fPort, "fPort", 255) or 0,
        0 if doc.fCnt is None else c.within(doc.fCnt, "fCnt"),
        c.b64(doc.data, "data"),
        received_at,
        Lns.CHIRPSTACK_V4,
        tuple(receptions),
        doc.devAddr or None,
        info.deviceName or None,
        info.applicationId or None,
        doc.deduplicationId or None,
        bool(doc.confirmed),
        _within(lora.spreadingFactor, "spreadingFactor", 12),
        _within(tx.frequency, "frequency", 10**10),
        bool(doc.joinServerContext),
        c.label(info.deviceProfileName),
        decoded if isinstance(decoded, dict) else None,
    )


def _within(value: int | None, key: str, hi: int) -> int | None:
    """``common.within`` on an optional integer msgspec read."""
    return None if value is None else c.within(value, key, hi=hi)
