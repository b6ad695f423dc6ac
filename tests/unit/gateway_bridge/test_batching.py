"""How the bridge cuts the message stream into batches (each batch costs a few transactions)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from gateway_bridge.mqtt import Message
from gateway_bridge.pacing import READ_PAUSE_S
from gateway_bridge.service import QUIET_S, Bridge
from ingest.archive import Archive, ArchivedUplink
from ingest.intake import Intake
from ingest.pipeline import Ingestor
from kernel.types import Uplink
from registry import open_registry
from registry.errors import DatabaseUnavailable
from tests.fakes import MemoryStore


class QueueSource:
    def __init__(self) -> None:
        self.messages: queue.Queue[Message] = queue.Queue()
        self.acked: list[list[int]] = []  # the message ids of each batch acknowledged

    def ack(self, messages: Sequence[Message]) -> int:
        self.acked.append([m.mid for m in messages])
        return len(messages)


def message(mid: int) -> Message:
    return Message("application/a/device/0102030405060708/event/up", b"{}", mid, 1, 0)


def bridge(
    tmp_path: Path, source: QueueSource, batch_size: int = 500, linger: float = 0.3, wait: float = 5.0
) -> Bridge:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    ingestor = Ingestor(registry, Archive(registry.engine), MemoryStore())
    return Bridge(source, ingestor, batch_size=batch_size, batch_wait_s=wait, batch_linger_s=linger)


def test_a_batch_gathers_what_arrives_within_the_linger(tmp_path: Path) -> None:
    source = QueueSource()
    b = bridge(tmp_path, source)

    def trickle() -> None:
        for mid in range(1, 6):
            source.messages.put(message(mid))
            time.sleep(0.02)

    threading.Thread(target=trickle).start()
    b.intake()
    assert source.acked == [[1, 2, 3, 4, 5]]


def test_a_full_batch_does_not_wait_and_a_quiet_queue_gives_nothing(tmp_path: Path) -> None:
    (tmp_path / "q").mkdir()
    source = QueueSource()
    b = bridge(tmp_path, source, batch_size=3, linger=30.0)
    for mid in range(1, 6):
        source.messages.put(message(mid))
    started = time.monotonic()
    b.intake()
    assert source.acked == [[1, 2, 3]]
    assert time.monotonic() - started < 1.0
    silence = QueueSource()
    quiet = bridge(tmp_path / "q", silence, linger=30.0, wait=0.05)
    started = time.monotonic()
    assert quiet.intake() == [] and silence.acked == []  # nothing within batch_wait_s: no batch
    assert time.monotonic() - started < 1.0  # ... and no linger


def test_a_batch_lingers_while_messages_come_and_closes_soon_after_they_stop(tmp_path: Path) -> None:
    """A steady stream (a message every 30 ms) fills one batch for as long as the linger allows;
    once it stops, the batch closes a tenth of a second later, not at the end of the linger."""
    source = QueueSource()
    b = bridge(tmp_path, source, linger=30.0)
    stopped: list[float] = []

    def stream() -> None:
        for mid in range(1, 21):
            source.messages.put(message(mid))
            time.sleep(0.03)
        stopped.append(time.monotonic())

    threading.Thread(target=stream).start()
    b.intake()
    assert source.acked == [list(range(1, 21))]
    assert time.monotonic() - stopped[0] < 0.5


class FlakyArchive(Archive):
    """An archive whose database is unavailable for its first ``failures`` inserts."""

    def __init__(self, engine: Any, failures: int) -> None:
        super().__init__(engine)
        self.failures = failures

    def store(self, items: Sequence[tuple[Uplink, str]]) -> list[ArchivedUplink]:
        if self.failures:
            self.failures -= 1
            raise DatabaseUnavailable("archive insert: database is locked (test)")
        return super().store(items)


def test_an_unavailable_archive_holds_the_batch_and_backs_off_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unacknowledged while the archive is down, tried again after waits of its own (doubling
    from 0.5 s up to 5 s, whatever the store's retry says), from the first again once it is back."""
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)  # the module the bridge sleeps through
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    archive = FlakyArchive(registry.engine, failures=6)
    source = QueueSource()
    b = Bridge(source, Ingestor(registry, archive, MemoryStore()), batch_size=2, batch_wait_s=0.1)
    source.messages.put(message(1))
    source.messages.put(message(2))
    for _ in range(6):
        b.intake()
    assert source.acked == [] and b.counters.archive_failures == 6
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    b.intake()
    assert source.acked == [[1, 2]]
    archive.failures = 1
    source.messages.put(message(3))
    source.messages.put(message(4))
    b.intake()
    assert sleeps[-1] == 0.5 and len(sleeps) == 7


def test_the_intake_alone_reads_the_next_batch_while_it_archives_and_acks_only_what_it_archived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``releve bridge``'s intake process: envelopes are read a batch ahead, in a thread of their
    own. While the archive is unavailable nothing is acknowledged; then every message is archived
    and acknowledged once, in the order the broker sent them, the unreadable one as a dead letter."""
    from gateway_bridge import service
    from tests.unit.gateway_bridge.test_catch_up import uplink_body

    monkeypatch.setattr(service, "ARCHIVE_FIRST_S", 0.05)
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    archive = FlakyArchive(registry.engine, failures=3)
    source = QueueSource()
    topic = "application/a/device/0102030405060708/event/up"
    for mid in range(1, 11):
        body = b"{not json" if mid == 5 else uplink_body(mid)
        source.messages.put(Message(topic, body, mid, 1, 0))
    woken: list[int] = []
    intake = Bridge(
        source,
        Intake(archive),
        batch_size=3,
        batch_wait_s=0.05,
        batch_linger_s=0.05,
        on_archived=lambda: woken.append(len(source.acked)),
    )
    stop = threading.Event()
    thread = threading.Thread(target=intake.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while sum(map(len, source.acked)) < 10 and time.monotonic() < deadline:
            assert source.acked == [] or archive.failures == 0  # nothing acknowledged while it fails
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(10)
    assert [mid for batch in source.acked for mid in batch] == list(range(1, 11))
    assert intake.counters.archive_failures == 3
    assert (intake.counters.uplinks, intake.counters.dead_letters) == (9, 1)
    assert len(archive.pending(100)) == 9
    assert woken  # the processor was told


def test_a_paused_read_is_shorter_than_the_quiet_time_that_closes_a_lingering_batch() -> None:
    """At a trickle the consumer reads every ``READ_PAUSE_S``: a longer pause would leave gaps
    that close the intake's batches early (``QUIET_S``), a batch per read instead of a second's."""
    assert READ_PAUSE_S < QUIET_S


def test_a_parser_failure_on_one_message_keeps_it_dead_and_blocks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug of the envelope parser (an exception that is not an ``EnvelopeError``: int() of
    "²", which str.isdigit() accepts, was one) fails that message alone, kept as a dead letter;
    before, its whole batch was left unacknowledged and unarchived, to fail again when the broker
    delivered it again."""
    from gateway_bridge import service
    from tests.unit.gateway_bridge.test_catch_up import uplink_body

    real = service.parse  # type: ignore[attr-defined]

    def buggy(topic: str, body: bytes, *args: Any, **kwargs: Any) -> Any:
        if body == b"poison":
            raise ValueError("invalid literal for int() with base 10: '\u00b2'")
        return real(topic, body, *args, **kwargs)

    monkeypatch.setattr(service, "parse", buggy)
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    archive = Archive(registry.engine)
    source = QueueSource()
    topic = "application/a/device/0102030405060708/event/up"
    for mid in range(1, 6):
        source.messages.put(Message(topic, b"poison" if mid == 3 else uplink_body(mid), mid, 1, 0))
    intake = Bridge(source, Intake(archive), batch_size=10, batch_wait_s=0.05, batch_linger_s=0.05)
    intake.intake()
    assert source.acked == [[1, 2, 3, 4, 5]]
    assert (intake.counters.uplinks, intake.counters.dead_letters) == (4, 1)
    assert len(archive.pending(100)) == 4
