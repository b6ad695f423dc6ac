"""Arbitrary bytes, arbitrary JSON and mutated real envelopes only ever raise EnvelopeError."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_bridge.envelopes import EnvelopeError, parse
from tests.unit.gateway_bridge.test_envelopes import CASES, REFUSED, messages

TOPICS = st.sampled_from(
    [
        "application/a/device/0101010101010101/event/up",
        "application/a/device/0101010101010101/event/status",
        "application/123/device/0202020202020202/rx",
        "v3/app@ttn/devices/dev1/up",
        "v3/app/devices/eui-0101010101010101/join",
        "random/topic",
    ]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
BODIES = [doc for e in CASES if e["file"] not in REFUSED for _, _, doc in messages(e) if doc is not None]


def _ok(topic: str, body: bytes) -> None:
    with contextlib.suppress(EnvelopeError):
        parse(topic, body)


@settings(max_examples=500, deadline=None)
@given(topic=TOPICS, body=st.binary(max_size=300))
def test_arbitrary_bytes(topic: str, body: bytes) -> None:
    _ok(topic, body)


@settings(max_examples=500, deadline=None)
@given(topic=TOPICS, doc=JSON)
def test_arbitrary_json(topic: str, doc: Any) -> None:
    _ok(topic, json.dumps(doc).encode())


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_mutated_real_envelopes(data: st.DataObject) -> None:
    doc = json.loads(json.dumps(data.draw(st.sampled_from(BODIES))))
    paths: list[tuple[dict[str, Any], str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    for _ in range(data.draw(st.integers(1, 4))):
        if not paths:
            break
        parent, key = data.draw(st.sampled_from(paths))
        if key not in parent:
            continue
        if data.draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = data.draw(JSON)
    _ok(data.draw(TOPICS), json.dumps(doc).encode())
