"""The typed fast path for ChirpStack v4 uplinks reads every envelope as the slow path does.

Every body is read both ways (``fast_v4.parse_up`` and ``chirpstack.parse_v4``): where the fast
path takes it, the uplink must be the same, field for field, the LNS codec's object included;
where it refuses, the slow path must refuse it too, or it is a body the fast path leaves to it
(None). Real envelopes, mutated real envelopes and generated ones with every field varied.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_bridge.envelopes import EnvelopeError, MalformedEnvelope, chirpstack, fast_v4, parse
from gateway_bridge.envelopes.common import load_json
from kernel.types import Uplink
from tests.unit.gateway_bridge.test_envelopes import CASES, messages, topic_for

NOW = datetime(2030, 1, 1, tzinfo=UTC)
TOPIC = "application/a/device/0101010101010101/event/up"
V4 = [
    (topic_for(topic), body)
    for e in CASES
    if e["lns"] == "chirpstack_v4"
    for topic, body, doc in messages(e)
    if doc is not None and topic_for(topic).endswith("/up")
]


def _both(body: bytes, topic_eui: str | None = "0101010101010101") -> tuple[Any, Any]:
    """What each path makes of a body: an Uplink, None (fast path: not its case) or the error."""
    try:
        fast: Any = fast_v4.parse_up(body, topic_eui, NOW)
    except MalformedEnvelope as exc:
        fast = exc
    try:
        slow: Any = chirpstack.parse_v4("up", load_json(body), topic_eui, NOW)
    except EnvelopeError as exc:
        slow = exc
    return fast, slow


def _agree(body: bytes) -> Any:
    fast, slow = _both(body)
    if isinstance(fast, Uplink):
        assert isinstance(slow, Uplink), slow
        assert fast == slow
        assert fast.decoded_object == slow.decoded_object  # (not compared by ``==``)
        assert [type(r.rssi) for r in fast.receptions] == [type(r.rssi) for r in slow.receptions]
    elif isinstance(fast, MalformedEnvelope):
        assert isinstance(slow, EnvelopeError), f"the fast path refused ({fast}) what the slow path reads"
    return fast


def test_the_real_v4_uplinks_take_the_fast_path_and_read_the_same() -> None:
    assert len(V4) >= 5
    taken = [_agree(body) for _, body in V4]
    assert sum(isinstance(t, Uplink) for t in taken) >= len(V4) - 1  # (one is a placeholder EUI)


def test_parse_takes_it_only_for_v4_json_up_events() -> None:
    _, body = V4[0]
    assert parse(TOPIC, body, now=NOW) == chirpstack.parse_v4("up", load_json(body), None, NOW)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("fPort", 256, "'fPort' out of range: 256"),
        ("fCnt", -1, "'fCnt' out of range: -1"),
        ("data", "not base64!", "data is not valid base64"),
        ("time", "yesterday", "time: not a time"),
    ],
)
def test_a_wrong_value_gets_the_slow_paths_error(field: str, value: Any, error: str) -> None:
    _, body = V4[0]
    doc = json.loads(body)
    doc[field] = value
    fast, slow = _both(json.dumps(doc).encode())
    assert isinstance(fast, MalformedEnvelope) and isinstance(slow, MalformedEnvelope)
    assert error in str(fast) and str(fast) == str(slow)


@pytest.mark.parametrize(
    "body",
    [
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "fCnt": "12"}',  # protobuf JSON mapping: a string
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "fPort": true}',
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "rxInfo": [{"rssi": "low"}]}',
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "rxInfo": {"rssi": -50}}',
        b'{"deviceInfo": [], "fCnt": 1}',
        b'{"fCnt": 1}',  # no deviceInfo: not v4 to the detection either
        b'{"deviceInfo": {}, "fCnt": 1',
        # not UTF-8 in a field the fast path skips: the slow path refuses the whole message
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "tenantName": "\xff"}',
        # nested past msgspec's depth: the slow path refuses it (orjson's limit), nothing raises past
        b'{"deviceInfo": {"devEui": "0101010101010101"}, "object": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_other_json_types_are_left_to_the_slow_path(body: bytes) -> None:
    fast, slow = _both(body)
    assert fast is None
    if b'"12"' in body:
        assert isinstance(slow, Uplink) and slow.f_cnt == 12
    if b"\xff" in body or b"[[[" in body:
        assert isinstance(slow, MalformedEnvelope) and "not JSON" in str(slow)


TIMES = st.sampled_from(
    [None, "", "2026-12-06T18:15:00Z", "2026-12-06T18:15:00.123456789+01:00", "1980-01-06T00:00:00Z", "bad"]
)
NUMBERS = st.none() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False)
ANY = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8) | NUMBERS
EUIS = st.sampled_from(["0101010101010101", "01-01-01-01-01-01-01-0A", "", "xyz", "AABBCCDDEEFF0011"])


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(...), value, ANY)  # ...: the key left out


SPREADING = st.integers(-1, 13) | ANY
RECEPTION = st.fixed_dictionaries(
    {},
    optional={
        "gatewayId": EUIS | ANY,
        "rssi": NUMBERS | ANY,
        "snr": NUMBERS | ANY,
        "gwTime": TIMES,
        "time": TIMES,
        "nsTime": TIMES,
        "location": st.none()
        | st.fixed_dictionaries({}, optional={"latitude": NUMBERS | ANY, "longitude": NUMBERS | ANY})
        | ANY,
    },
)
ENVELOPE = st.fixed_dictionaries(
    {
        "deviceInfo": st.none()
        | st.fixed_dictionaries(
            {},
            optional={
                "devEui": EUIS | ANY,
                "deviceName": st.text(max_size=6) | ANY,
                "deviceProfileName": st.text(max_size=130) | ANY,
                "applicationId": st.text(max_size=6) | ANY,
            },
        )
    },
    optional={
        "fCnt": st.integers(-2, 2**32 + 1) | ANY,
        "fPort": st.integers(-1, 260) | ANY,
        "data": st.sampled_from(["", "AQID", "AQI=", "AQ", "%%"]) | ANY,
        "time": TIMES,
        "devAddr": st.text(max_size=8) | ANY,
        "deduplicationId": st.text(max_size=8) | ANY,
        "confirmed": ANY,
        "joinServerContext": ANY | st.dictionaries(st.text(max_size=4), ANY, max_size=2),
        "rxInfo": st.none() | st.lists(RECEPTION, max_size=3) | ANY,
        "txInfo": st.none()
        | st.fixed_dictionaries(
            {},
            optional={
                "frequency": st.integers(-1, 10**10 + 1) | ANY,
                "modulation": st.none()
                | st.fixed_dictionaries(
                    {},
                    optional={
                        "lora": st.none() | st.fixed_dictionaries({}, optional={"spreadingFactor": SPREADING})
                    },
                ),
            },
        ),
        "object": ANY | st.dictionaries(st.text(max_size=4), ANY, max_size=3),
    },
)


@settings(max_examples=1500, deadline=None)
@given(doc=ENVELOPE)
def test_generated_envelopes_read_the_same(doc: dict[str, Any]) -> None:
    _agree(json.dumps(doc).encode())


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_mutated_real_envelopes_read_the_same(data: st.DataObject) -> None:
    doc = json.loads(data.draw(st.sampled_from([body for _, body in V4])))
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            paths.append((node, key))
            walk(value)

    walk(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        parent, key = data.draw(st.sampled_from(paths))
        if isinstance(parent, dict) and key in parent and data.draw(st.booleans()):
            del parent[key]
        elif isinstance(parent, dict) or key < len(parent):
            parent[key] = data.draw(ANY)
    _agree(json.dumps(doc).encode())
