"""Which time an uplink gets when its envelope carries a gateway's time and the network server's."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from gateway_bridge.envelopes import parse
from kernel.types import Uplink

NOW = datetime(2026, 12, 5, 10, tzinfo=UTC)
TOPIC = "application/app/device/0102030405060708/event/up"


def chirpstack_v4(time: str, ns_time: str | None = None, gw_time: str | None = None) -> bytes:
    rx: dict[str, object] = {"gatewayId": "0016c001f1500812", "rssi": -90, "snr": 7.5}
    if ns_time:
        rx["nsTime"] = ns_time
    if gw_time:
        rx["gwTime"] = gw_time
    doc = {
        "deduplicationId": "a5a3f1a0-0000-4000-8000-000000000001",
        "time": time,
        "deviceInfo": {"devEui": "0102030405060708", "deviceName": "m"},
        "devAddr": "0a0b0c0d",
        "fCnt": 7,
        "fPort": 6,
        "data": "AQEBJAAAAAAAAAA=",
        "rxInfo": [rx],
    }
    return json.dumps(doc).encode()


def received(body: bytes) -> datetime:
    event = parse(TOPIC, body, now=NOW)
    assert isinstance(event, Uplink)
    return event.received_at


def test_the_gateways_time_is_kept_when_the_server_agrees() -> None:
    gps = "2026-12-05T09:59:59.123456Z"
    body = chirpstack_v4(gps, ns_time="2026-12-05T09:59:59.800Z", gw_time=gps)
    assert received(body) == datetime(2026, 12, 5, 9, 59, 59, 123456, tzinfo=UTC)


def test_a_gateway_clock_in_2300_gives_way_to_the_servers() -> None:
    body = chirpstack_v4(
        "2300-01-01T00:00:00Z", ns_time="2026-12-05T09:59:59Z", gw_time="2300-01-01T00:00:00Z"
    )
    assert received(body) == datetime(2026, 12, 5, 9, 59, 59, tzinfo=UTC)


def test_a_gateway_clock_hours_behind_gives_way_to_the_servers() -> None:
    body = chirpstack_v4("2026-12-05T04:00:00Z", ns_time="2026-12-05T09:59:59Z")
    assert received(body) == datetime(2026, 12, 5, 9, 59, 59, tzinfo=UTC)


def test_without_the_servers_time_the_event_time_is_kept_as_given() -> None:
    """(ChirpStack before 4.6: no ``nsTime``.) A wrong one is then caught by the pipeline's time
    plausibility check, which fails the uplink with its reason (ingest.plausibility)."""
    assert received(chirpstack_v4("2300-01-01T00:00:00Z")) == datetime(2300, 1, 1, tzinfo=UTC)


def test_live_objects_platform_time_wins_over_a_wrong_radio_time() -> None:
    doc = {
        "id": "5f0c7f3b2c1e4a0001a1b2c3",
        "streamId": "urn:lo:nsid:lora:0102030405060708",
        "timestamp": "2300-01-01T00:00:00.000Z",
        "created": "2026-12-05T09:59:59.500Z",
        "model": "lora_v0",
        "value": {"payload": "0101012400000000000000"},
        "metadata": {"network": {"lora": {"devEUI": "0102030405060708", "port": 6, "fcnt": 7}}},
    }
    event = parse("fifo/releve", json.dumps(doc).encode(), now=NOW)
    assert isinstance(event, Uplink)
    assert event.received_at == datetime(2026, 12, 5, 9, 59, 59, 500000, tzinfo=UTC)


def test_a_gps_without_fix_gives_way_to_the_gateways_clock() -> None:
    body = chirpstack_v4("1980-01-06T00:00:00Z")
    doc = json.loads(body)
    doc["rxInfo"][0]["time"] = "2026-12-05T09:59:58Z"  # v4 before 4.6: the gateway's clock
    assert received(json.dumps(doc).encode()) == datetime(2026, 12, 5, 9, 59, 58, tzinfo=UTC)


def test_with_no_plausible_time_the_envelopes_own_is_kept_for_the_pipeline_to_refuse() -> None:
    """Not this bridge's clock: during a backlog it would place the readings when they are
    drained, not when they were read."""
    assert received(chirpstack_v4("1970-01-01T00:00:00Z")) == datetime(1970, 1, 1, tzinfo=UTC)


def test_an_envelope_without_any_time_is_stamped_when_it_arrives() -> None:
    doc = json.loads(chirpstack_v4("x"))
    del doc["time"]
    assert received(json.dumps(doc).encode()) == NOW
