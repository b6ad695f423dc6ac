"""Every real envelope in shared/fixtures/envelopes that releve reads parses to the right event."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway_bridge.envelopes import DeviceLog, DeviceStatus, EnvelopeError, Ignored, JoinEvent, parse
from kernel.types import Lns, Uplink

FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "envelopes"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())["fixtures"]
SUPPORTED = {
    "chirpstack_v4",
    "chirpstack_v3",
    "tts_v3",
    "actility_thingpark",
    "orange_live_objects",
    "helium_console",
}
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def messages(entry: dict[str, Any]) -> list[tuple[str, bytes, dict[str, Any] | None]]:
    doc = json.loads((FIXTURES / entry["file"]).read_text())
    if "messages" in doc:
        return [
            (m["topic"], json.dumps(_strip(m["payload"])).encode(), _strip(m["payload"]))
            for m in doc["messages"]
        ]
    if "payload_base64" in doc:
        return [(entry["example_topic"], base64.b64decode(doc["payload_base64"]), None)]
    body = _strip(doc)
    return [(entry["example_topic"], json.dumps(body).encode(), body)]


def topic_for(topic: str) -> str:
    return topic.replace("event/+", "event/up")


# Fixtures whose published text has placeholders where a real server sends values (see the
# manifest's notes): releve must refuse them with a clear error, never invent a value.
REFUSED = {
    "chirpstack_v4/up_v4_0_first_uplink_defaults_omitted_issue43.json": "not a DevEUI",  # masked as posted
    "chirpstack_v3/up_json_v3_docs.json": "not valid base64",  # data "..."
    "chirpstack_v3/up_protobuf_json_docs.json": "not valid base64",  # data "..."
    "tts_v3/up_single_gateway_2021.json": "no dev_eui",  # registered by name only
}

CASES = [
    e
    for e in MANIFEST
    if e["lns"] in SUPPORTED and "command/down" not in e["message"] and "down/push" not in e["message"]
]


@pytest.mark.parametrize("entry", CASES, ids=[e["file"] for e in CASES])
def test_fixture_parses(entry: dict[str, Any]) -> None:
    if entry["file"] in REFUSED:
        for topic, body, _ in messages(entry):
            with pytest.raises(EnvelopeError, match=REFUSED[entry["file"]]):
                parse(topic_for(topic), body, now=NOW)
        return
    for topic, body, doc in messages(entry):
        event = parse(topic_for(topic), body, now=NOW)
        kind = topic.rsplit("/", 1)[-1]
        if doc is not None and kind == "up" and entry["lns"].startswith("chirpstack"):
            assert isinstance(event, Uplink)
            assert event.f_port == doc.get("fPort", 0)
            assert event.f_cnt == doc.get("fCnt", 0)
            assert event.payload == base64.b64decode(doc.get("data") or "")
            assert len(event.receptions) == len(doc.get("rxInfo", []))
            if doc.get("rxInfo"):
                assert event.best_rssi == max(rx["rssi"] for rx in doc["rxInfo"])
        if isinstance(event, Uplink):
            assert len(event.dev_eui) == 16 and event.received_at.tzinfo is not None
        assert isinstance(event, Uplink | DeviceStatus | JoinEvent | DeviceLog | Ignored)


def test_chirpstack_v4_docs_uplink_fields() -> None:
    (entry,) = [e for e in MANIFEST if e["file"] == "chirpstack_v4/up_docs.json"]
    ((topic, body, _),) = messages(entry)
    up = parse(topic, body)
    assert isinstance(up, Uplink)
    assert (up.dev_eui, up.f_port, up.f_cnt, up.payload) == ("0101010101010101", 1, 0, b"\xaa")
    assert up.received_at == datetime(2022, 7, 18, 9, 34, 15, 775023, tzinfo=UTC)
    assert up.lns is Lns.CHIRPSTACK_V4 and up.spreading_factor == 11 and up.frequency_hz == 867100000
    assert up.receptions[0].gateway_id == "0016c001f153a14c" and up.receptions[0].snr == 10.5
    assert up.lns_event_id == "3ac7e3c4-4401-4b8d-9386-a5c902f9202d"


def test_protobuf_uplink_equals_json_uplink() -> None:
    """The docs' uplink published as protobuf (json=false) reads as the same uplink as its JSON."""
    (pb,) = [e for e in MANIFEST if e["file"] == "chirpstack_v4/up_protobuf_docs_constructed.json"]
    ((topic, body, _),) = messages(pb)
    up = parse(topic, body)
    same = json.loads((FIXTURES / pb["file"]).read_text())["decoded_equivalent_file"]
    (js,) = [e for e in MANIFEST if e["file"] == f"chirpstack_v4/{same}"]
    ((json_topic, json_body, _),) = messages(js)
    from_json = parse(json_topic, json_body)
    assert isinstance(up, Uplink) and up.dev_eui == "0101010101010101" and up.payload == b"\xaa"
    assert isinstance(from_json, Uplink) and asdict(up) == asdict(from_json)


def test_chirpstack_v3_base64_eui_and_status() -> None:
    (entry,) = [e for e in MANIFEST if e["file"] == "chirpstack_v3/up_protobuf_json_docs.json"]
    ((topic, _, doc),) = messages(entry)
    assert doc is not None
    doc["data"] = "AQI="  # the docs' placeholder "..." replaced by real base64
    up = parse(topic, json.dumps(doc).encode())
    assert isinstance(up, Uplink) and up.dev_eui == "0202020202020202" and up.lns is Lns.CHIRPSTACK_V3
    (status,) = [e for e in MANIFEST if e["file"] == "chirpstack_v4/status_docs.json"]
    ((topic, body, _),) = messages(status)
    event = parse(topic, body)
    assert isinstance(event, DeviceStatus)


def test_tts_uplink_and_missing_dev_eui() -> None:
    (entry,) = [e for e in MANIFEST if e["file"] == "tts_v3/up_mqtt_docs.json"]
    ((topic, body, _),) = messages(entry)
    up = parse(topic, body)
    assert isinstance(up, Uplink)
    assert (up.dev_eui, up.f_port, up.f_cnt, up.frequency_hz) == ("4200000000000000", 15, 0, 868500000)
    (mac,) = [e for e in MANIFEST if e["file"] == "tts_v3/up_mac_only_4_gateways_2021.json"]
    ((topic, body, _),) = messages(mac)
    assert isinstance(parse(topic, body), Ignored)
    data_without_eui = json.dumps(
        {"end_device_ids": {"device_id": "meter-7"}, "uplink_message": {"f_port": 2, "frm_payload": "AQI="}}
    ).encode()
    with pytest.raises(EnvelopeError, match="no dev_eui"):
        parse("v3/app@ttn/devices/meter-7/up", data_without_eui)


def test_tts_uplink_with_null_or_odd_correlation_ids() -> None:
    """Found by hypothesis: ``"correlation_ids": null`` crashed the parser (TypeError)."""
    (entry,) = [e for e in MANIFEST if e["file"] == "tts_v3/up_mqtt_docs.json"]
    ((topic, body, _),) = messages(entry)
    for odd in (None, "as:up:1", 7, {"a": 1}):
        doc = json.loads(body)
        doc["correlation_ids"] = odd
        up = parse(topic, json.dumps(doc).encode())
        assert isinstance(up, Uplink) and up.dev_eui == "4200000000000000"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"deviceInfo": {"devEui": 12}}',
        b'{"deviceInfo": {"devEui": "zz"}}',
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "data": "%%%"}',
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "fPort": "one"}',
        # digits str.isdigit() accepts and int() refuses (superscript, Kharosthi)
        '{"deviceInfo": {"devEui": "0101010101010101"}, "fCnt": "\u00b2"}'.encode(),
        '{"deviceInfo": {"devEui": "0101010101010101"}, "fPort": "\U00010a40"}'.encode(),
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "rxInfo": [1, 2]}',
        b"\x08\x01garbage-protobuf",
    ],
)
def test_malformed_bodies_raise_envelope_errors(body: bytes) -> None:
    with pytest.raises(EnvelopeError):
        parse("application/a/device/0101010101010101/event/up", body)


def test_unknown_topic_is_unknown_format() -> None:
    with pytest.raises(EnvelopeError):
        parse("some/topic", b"{}")


def test_operators_uplinks() -> None:
    by_file = {e["file"]: e for e in MANIFEST}
    ((topic, body, _),) = messages(by_file["actility_thingpark/DevEUI_uplink_decoded_2_gateways_docs.json"])
    up = parse(topic, body)
    assert isinstance(up, Uplink) and up.lns is Lns.THINGPARK
    assert (up.dev_eui, up.f_port, up.f_cnt) == ("20635f0108000e09", 17, 265)
    assert up.payload.hex() == "0520be8800400108c9000000" and len(up.receptions) == 2
    assert up.received_at == datetime(2020, 1, 6, 11, 46, 54, 285000, tzinfo=UTC)  # +01:00 normalized
    ((topic, body, _),) = messages(by_file["actility_thingpark/DevEUI_uplink_join_request_docs.json"])
    assert isinstance(parse(topic, body), Ignored)
    ((topic, body, _),) = messages(by_file["orange_live_objects/lora_data_message_capture_2020.json"])
    lo = parse("fifo/releve", body)
    assert isinstance(lo, Uplink) and lo.lns is Lns.LIVE_OBJECTS
    assert (lo.dev_eui, lo.f_port, lo.payload) == ("70b3d54999f0552d", 2, b"Salut !")


def test_times_are_normalized_to_utc_with_nanoseconds_cut() -> None:
    from gateway_bridge.envelopes.common import timestamp

    assert timestamp("2022-07-18T09:34:15.775023242+00:00", "t") == datetime(
        2022, 7, 18, 9, 34, 15, 775023, tzinfo=UTC
    )
    assert timestamp("2020-06-05T14:22:56.396+02:00", "t") == datetime(
        2020, 6, 5, 12, 22, 56, 396000, tzinfo=UTC
    )
    assert timestamp("2021-08-14T12:29:15Z", "t") == datetime(2021, 8, 14, 12, 29, 15, tzinfo=UTC)
    with pytest.raises(EnvelopeError):
        timestamp("yesterday", "t")
