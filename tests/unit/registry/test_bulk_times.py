"""The archive's times as SQLite stores them: the same text on the fast path as through UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from registry.bulk import _sqlite_time, from_db_time

ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=30))])


@given(st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(9998, 1, 1), timezones=ZONES))
def test_sqlite_text_is_utc_without_offset_and_reads_back(at: datetime) -> None:
    text = _sqlite_time(at)
    assert text == at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    assert from_db_time(text) == at
