"""The archive's ``meta`` read in one typed pass gives the uplink the dictionary path gives."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.archive import _meta, _uplink
from ingest.archive_meta import typed_uplink
from kernel.types import Lns, Reception, Uplink

AT = datetime(2026, 12, 6, 18, 15, tzinfo=UTC)
TEXT = st.none() | st.text(max_size=12)
NUMBER = st.none() | st.floats(allow_nan=False, allow_infinity=False)
TIMES = st.none() | st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
RECEPTION = st.builds(Reception, st.text(min_size=1, max_size=16), NUMBER, NUMBER, TIMES, NUMBER, NUMBER)
UPLINKS = st.builds(
    Uplink,
    dev_eui=st.just("0101010101010101"),
    f_port=st.integers(0, 255),
    f_cnt=st.none() | st.integers(0, 2**32 - 1),
    payload=st.binary(max_size=8),
    received_at=st.just(AT),
    lns=st.sampled_from(list(Lns)),
    receptions=st.lists(RECEPTION, max_size=3).map(tuple),
    dev_addr=TEXT,
    device_name=TEXT,
    application_id=TEXT,
    lns_event_id=TEXT,
    confirmed=st.booleans(),
    spreading_factor=st.none() | st.integers(6, 12),
    frequency_hz=st.none() | st.integers(0, 10**10),
    encrypted=st.booleans(),
    device_profile=TEXT,
)


def _both(up: Uplink, raw: str) -> tuple[tuple[Uplink, datetime | None] | None, Uplink]:
    meta = orjson.loads(raw)
    slow = _uplink(up.dev_eui, up.f_port, up.f_cnt, up.payload, up.received_at, up.lns.value, meta)
    fast = typed_uplink(raw, up.dev_eui, up.f_port, up.f_cnt, up.payload, up.received_at, up.lns)
    return fast, slow


@settings(max_examples=400, deadline=None)
@given(up=UPLINKS, archived=st.booleans())
def test_what_the_archive_writes_reads_back_the_same_both_ways(up: Uplink, archived: bool) -> None:
    raw = orjson.dumps(_meta(up, AT.isoformat() if archived else None)).decode()
    fast, slow = _both(up, raw)
    assert fast is not None
    assert fast[0] == slow == up
    assert [r.time for r in fast[0].receptions] == [r.time for r in up.receptions]
    assert fast[1] == (AT if archived else None)


@pytest.mark.parametrize(
    "raw",
    [
        '{"receptions": [{"rssi": -50}]}',  # no gateway: not what releve writes
        '{"confirmed": "yes"}',
        '{"archived_at": 12}',
        '{"receptions": {"gateway_id": "a"}}',
        "not json",
    ],
)
def test_other_documents_are_left_to_the_dictionary_path(raw: str) -> None:
    assert typed_uplink(raw, "0101010101010101", 1, 1, b"", AT, Lns.CHIRPSTACK_V4) is None


def test_parsed_json_from_postgresql_is_left_to_the_dictionary_path() -> None:
    assert typed_uplink({"receptions": []}, "0101010101010101", 1, 1, b"", AT, Lns.CHIRPSTACK_V4) is None


def test_an_older_archive_without_newer_keys_reads_with_their_defaults() -> None:
    up = Uplink("0101010101010101", 1, 7, b"\x01", AT, Lns.TTS_V3)
    fast, slow = _both(up, '{"receptions": []}')
    assert fast is not None and fast[0] == slow and fast[1] is None
