"""Migration step 10 gives the archived frames the keys the bridge makes now (the hour of
reception first, and the turn's key near the turn of an hour), on SQLite and on a real
PostgreSQL: a copy delivered after the upgrade is known, across the turn of an hour too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from ingest.archive import Archive
from kernel.types import Lns, Uplink
from registry import open_registry
from registry.archive_keys import frame_key

pytestmark = pytest.mark.integration

TURN = datetime(2026, 5, 1, 11, 0, tzinfo=UTC)


def frame(f_cnt: int, at: datetime) -> Uplink:
    return Uplink("0102030405060708", 6, f_cnt, bytes([f_cnt]), at, Lns.CHIRPSTACK_V4, dev_addr="01020304")


# Received 30 s after the turn, 20 min after it, 2 s before it.
ARCHIVED = [
    frame(1, TURN + timedelta(seconds=30)),
    frame(2, TURN + timedelta(minutes=20)),
    frame(3, TURN - timedelta(seconds=2)),
]


def archived_by_version_9(registry_url: str) -> None:
    """The archive as releve kept it before step 10: keyed by the frame alone, no turn keys."""
    registry = open_registry(registry_url)
    Archive(registry.engine).store([(up, "lns-a") for up in ARCHIVED])
    with registry.engine.begin() as conn:
        for up in ARCHIVED:
            conn.execute(
                text("UPDATE uplinks SET dedup_key = :old WHERE f_cnt = :n"),
                {"old": frame_key(up), "n": up.f_cnt},
            )
        conn.execute(text("DROP TABLE uplink_edges"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 9"))
    registry.close()


def test_step_10_keys_the_archive_by_hour_and_keeps_its_copies_known(registry_url: str) -> None:
    archived_by_version_9(registry_url)
    registry = open_registry(registry_url)
    try:
        archive = Archive(registry.engine)
        copies = [
            replace(ARCHIVED[0], received_at=TURN - timedelta(seconds=10)),  # across the turn
            ARCHIVED[1],  # the same envelope again
            replace(ARCHIVED[2], received_at=TURN + timedelta(seconds=40)),  # across the turn
        ]
        assert archive.store([(up, "lns-b") for up in copies]) == []
        assert archive.duplicates_total() == 3
        # The same counter and payload an hour and a half later is another frame (a counter restart).
        later = replace(ARCHIVED[1], received_at=TURN + timedelta(minutes=110))
        assert [a.uplink for a in archive.store([(later, "lns-a")])] == [later]
    finally:
        registry.close()
