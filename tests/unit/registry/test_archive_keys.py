"""The archive's keys: two receptions of one frame less than ``EDGE_S`` apart share a key or a
turn's key, whatever the hour; the same frame hours apart is a new one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kernel.types import Lns, Uplink
from registry.archive_keys import EDGE_S, HOUR_S, frame_key, hour_keyed, keys_of, turn_keys

START = datetime(2020, 1, 1, tzinfo=UTC)


def heard(at: datetime, f_cnt: int | None = 42) -> Uplink:
    return Uplink(
        dev_eui="0102030405060708",
        f_port=6,
        f_cnt=f_cnt,
        payload=b"\x01\x02\x03",
        received_at=at,
        lns=Lns.CHIRPSTACK_V4,
        dev_addr="01020304",
    )


@given(
    st.integers(0, 10 * 365 * 24 * 3600 * 1_000_000),
    st.integers(0, EDGE_S * 1_000_000 - 1),
)
def test_copies_less_than_the_margin_apart_share_a_key_or_a_turn(start_us: int, apart_us: int) -> None:
    first = heard(START + timedelta(microseconds=start_us))
    copy = heard(first.received_at + timedelta(microseconds=apart_us))
    (key, edge), (copy_key, copy_edge) = keys_of(first), keys_of(copy)
    if key != copy_key:
        # the turn between the hours: both took it, and the archive refuses the second
        assert edge is not None and edge == copy_edge
        assert set(turn_keys(edge)) == {key, copy_key}


@given(st.integers(0, 10 * 365 * 24 * 3600), st.integers(0, 3 * HOUR_S))
def test_a_turns_key_is_taken_only_near_the_turn(start_s: int, offset_s: int) -> None:
    at = START + timedelta(seconds=start_s)
    _, edge = keys_of(heard(at))
    seconds = int(at.timestamp())
    to_turn = min(seconds % HOUR_S, HOUR_S - seconds % HOUR_S)
    assert (edge is not None) == (to_turn < EDGE_S)


def test_the_same_frame_an_hour_later_is_another_frame() -> None:
    at = datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    assert keys_of(heard(at))[0] != keys_of(heard(at + timedelta(hours=1)))[0]
    assert keys_of(heard(at, None))[0] != keys_of(heard(at + timedelta(seconds=1), None))[0]


@given(st.integers(0, 10 * 365 * 24 * 3600 * 1_000_000))
def test_a_key_of_an_earlier_instance_is_keyed_by_its_hour_as_now(at_us: int) -> None:
    """An export of an instance from before the hour keys holds the frame key alone: imported,
    it takes the keys this instance's archive makes, so that its copies are known."""
    frame = heard(START + timedelta(microseconds=at_us))
    made = keys_of(frame)
    assert hour_keyed(frame_key(frame), frame.received_at) == made
    assert hour_keyed(made[0], frame.received_at) == made
