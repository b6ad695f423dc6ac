"""Every number stays true under faults: the same traffic played uninterrupted and with faults, on
real servers, gives the same readings, deltas and hourly, daily and monthly rollups, exactly.

The bridge runs as a real ``releve bridge`` process; the simulator's village (three days, 3,168
ChirpStack v4 uplinks) is published to a real Mosquitto in chunks, a fault between chunks:
- InfluxDB: killed (SIGKILL) while the bridge writes, and restarted; frozen (SIGSTOP) past the
  store's timeout; the bridge SIGKILLed three times (mid-drain and while rollups are held);
  Mosquitto killed twice;
- SQLite: the readings file locked by another process past the store's lock timeout, twice; the
  bridge SIGKILLed three times.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from registry import Registry, open_registry, schema
from releve.broker import MosquittoProcess
from releve.runtime import provision_fleet
from simulator.fleet import load_fleet
from store import Store, Window
from store.open import open_store
from tests.influx_server import InfluxProcess
from tests.integration.bridge_helpers import PARIS, BridgeProcess, archived, envelopes, publish

pytestmark = pytest.mark.integration

TRAFFIC = envelopes(3)
CHUNKS = [TRAFFIC[i : i + 320] for i in range(0, len(TRAFFIC), 320)]
START, END = datetime(2026, 4, 6, tzinfo=PARIS), datetime(2026, 4, 12, tzinfo=PARIS)
Fault = Callable[["Run"], None]


class Run:
    """A data directory with the demo village provisioned, a broker and a bridge writing to a store."""

    def __init__(self, workdir: Path, store_url: str, influx: InfluxProcess | None = None) -> None:
        self.data = workdir / "data"
        self.data.mkdir(parents=True)
        registry = open_registry(f"sqlite:///{self.data / 'registry.db'}")
        provision_fleet(registry, load_fleet())
        registry.close()
        self.store_url = store_url
        self.influx = influx
        self.broker = MosquittoProcess(workdir / "mosquitto")
        self.broker.start()
        self.bridge = BridgeProcess(self.data, self.broker.url)
        # Rollups held 2 s, the current days and months 6 s: faults land between flushes of both.
        self.bridge.env.update(
            RELEVE_STORE_URL=store_url, RELEVE_BRIDGE_ROLLUP_FLUSH_S="2", RELEVE_BRIDGE_DAY_FLUSH_S="6"
        )
        self.published = 0

    def registry(self) -> Registry:
        return open_registry(f"sqlite:///{self.data / 'registry.db'}")

    def publish(self, items: list[tuple[str, bytes]]) -> None:
        publish(self.broker.url, items)
        self.published += len(items)

    def wait_archived(self, timeout: float = 120) -> None:
        """Until every published uplink is in the archive (the broker holds nothing for us)."""
        self._wait(lambda total, _: total >= self.published, timeout, "archived")

    def wait_done(self, timeout: float = 240) -> None:
        """Until every published uplink is archived and processed, its rollups written."""
        self._wait(lambda total, pending: total >= self.published and not pending, timeout, "processed")

    def _wait(self, done: Callable[[int, int], bool], timeout: float, what: str) -> None:
        registry = self.registry()
        try:
            deadline = time.monotonic() + timeout
            while not done(*archived(registry)):
                assert time.monotonic() < deadline, f"not all {what} in {timeout}s: {archived(registry)}"
                time.sleep(0.3)
        finally:
            registry.close()

    def restart_bridge(self, after_s: float) -> None:
        time.sleep(after_s)
        self.bridge.kill()
        self.bridge.start()
        self.bridge.wait_connected()

    def close(self) -> None:
        self.bridge.stop()
        self.broker.stop()


def play(run: Run, faults: dict[int, Fault], before: dict[int, Fault] | None = None) -> dict[str, Any]:
    """Publish the traffic chunk by chunk, each fault after its chunk (and those of ``before``
    before it); what the store then holds."""
    run.bridge.start()
    try:
        run.bridge.wait_connected()
        for n, chunk in enumerate(CHUNKS):
            if before and n in before:
                before[n](run)
            run.publish(chunk)
            if n in faults:
                faults[n](run)
        run.wait_done()
    finally:
        run.bridge.stop()
    store = open_store(run.store_url)
    try:
        return snapshot(store)
    finally:
        store.close()


def snapshot(store: Store) -> dict[str, Any]:
    """Every reading with its delta, and every hourly, daily and monthly rollup."""
    euis = sorted({d.dev_eui for _, d in load_fleet().devices()})
    readings = {
        (r.dev_eui, r.quantity, r.channel, r.ts): (r.value, r.delta, r.kind, r.unit, r.f_cnt)
        for eui in euis
        for r in store.query(eui, START, END)
    }
    quantities = sorted({key[1] for key in readings})
    out: dict[str, Any] = {"readings": readings, "hours": {eui: store.hourly(eui) for eui in euis}}
    for window in (Window.DAY, Window.MONTH):
        out[window.value] = {
            q: store.aggregate_many(euis, q, START, END, window, "Europe/Paris") for q in quantities
        }
    return out


def compare(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert len(expected["readings"]) > 9000
    assert sum(1 for v in expected["readings"].values() if v[1]) > 1500  # consumption deltas
    assert got["readings"].keys() == expected["readings"].keys()
    wrong = [k for k, v in got["readings"].items() if v != expected["readings"][k]]
    assert not wrong, f"{len(wrong)} readings differ, e.g. {wrong[0]}: {got['readings'][wrong[0]]}"
    for part in ("hours", "day", "month"):
        assert got[part] == expected[part], f"the {part} rollups differ"


@pytest.fixture
def influx_pair(tmp_path: Path) -> Iterator[tuple[InfluxProcess, InfluxProcess]]:
    """Two InfluxDB servers: the uninterrupted run's, and the one that is killed and frozen."""
    servers = InfluxProcess(tmp_path / "influx-ref"), InfluxProcess(tmp_path / "influx-faulty")
    for server in servers:
        server.start()
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def kill_influx_while_writing(run: Run) -> None:
    assert run.influx is not None
    time.sleep(0.2)
    run.influx.kill()
    time.sleep(3)
    run.influx.start()  # same port, same data
    run.wait_done()  # back and caught up: the next fault is an outage of its own


def freeze_influx_past_the_timeout(run: Run) -> None:
    assert run.influx is not None
    time.sleep(0.2)
    run.influx.pause()
    time.sleep(6)  # the store's timeout is 2 s: requests fail, uplinks wait in the archive
    run.influx.resume()
    run.wait_done()


def kill_broker(run: Run) -> None:
    run.wait_archived()  # what the broker queued for us is in the archive: a crash loses nothing
    run.broker.kill()
    time.sleep(1)
    run.broker.start()  # same port, same persistence


def test_influxdb_store_bridge_and_broker_faults_change_no_number(
    tmp_path: Path, influx_pair: tuple[InfluxProcess, InfluxProcess]
) -> None:
    reference_db, faulty_db = influx_pair
    reference = Run(tmp_path / "ref", f"influxdb://127.0.0.1:{reference_db.http_port}/releve?timeout=2")
    faulty = Run(
        tmp_path / "faulty", f"influxdb://127.0.0.1:{faulty_db.http_port}/releve?timeout=2", faulty_db
    )
    try:
        expected = play(reference, {})
        got = play(
            faulty,
            {
                0: kill_influx_while_writing,
                1: freeze_influx_past_the_timeout,
                2: lambda run: run.restart_bridge(0.3),  # mid-drain
                3: kill_broker,
                4: lambda run: run.restart_bridge(0.0),  # before the chunk is archived
                5: kill_influx_while_writing,
                6: lambda run: run.restart_bridge(1.5),  # while rollups are held
                7: kill_broker,
            },
        )
    finally:
        reference.close()
        faulty.close()
    compare(got, expected)
    assert_faults_happened(faulty, store_outages=3)


def assert_faults_happened(run: Run, store_outages: int) -> None:
    """The faults reached the bridge: the store failed and came back, the bridge was restarted."""
    log = run.bridge.log.read_text()
    # (an outage may end in the next process, after a SIGKILL: it then catches up at its start)
    assert log.count("store unavailable") >= store_outages and "store back after" in log
    assert log.count("connected to broker") >= 4  # the first start and three after a SIGKILL


def lock_the_store(path: Path, seconds: float) -> tuple[Fault, Fault]:
    """Another process holds the readings file's write lock past the store's lock timeout: taken
    before a chunk is published, once the processor has opened the store, so that the chunk's
    writes wait for it and fail (taken after, it raced the processor's write of the chunk, and
    a fast processor had written it first); released ``seconds`` later, and then the bridge
    catches up."""
    holding: list[threading.Thread] = []

    def take(run: Run) -> None:
        run.bridge.wait_processing()  # the lock lands on the store's writes, not on its opening
        locked = threading.Event()

        def hold() -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            locked.set()
            time.sleep(seconds)
            conn.execute("ROLLBACK")
            conn.close()

        holding.append(threading.Thread(target=hold))
        holding[-1].start()
        assert locked.wait(10)

    def release(run: Run) -> None:
        holding.pop().join()
        run.wait_done()

    return take, release


def test_sqlite_store_locked_and_bridge_faults_change_no_number(tmp_path: Path) -> None:
    ref_path, faulty_path = (
        tmp_path / "ref" / "data" / "readings.db",
        tmp_path / "faulty" / "data" / "readings.db",
    )
    reference = Run(tmp_path / "ref", f"sqlite:///{ref_path}?timeout=1")
    faulty = Run(tmp_path / "faulty", f"sqlite:///{faulty_path}?timeout=1")
    try:
        expected = play(reference, {})
        (lock, unlock), (lock_again, unlock_again) = (
            lock_the_store(faulty_path, 4),
            lock_the_store(faulty_path, 3),
        )
        got = play(
            faulty,
            {
                0: unlock,
                2: lambda run: run.restart_bridge(0.3),
                4: lambda run: run.restart_bridge(0.0),
                5: unlock_again,
                6: lambda run: run.restart_bridge(0.8),
            },
            before={0: lock, 5: lock_again},
        )
    finally:
        reference.close()
        faulty.close()
    compare(got, expected)
    assert_faults_happened(faulty, store_outages=2)


def test_the_reference_runs_cover_the_traffic() -> None:
    """The traffic spans the days the snapshots read."""
    first = min(datetime.fromisoformat(_time(body)) for _, body in TRAFFIC[:50])
    assert START <= first < START + timedelta(days=2)


def _time(body: bytes) -> str:
    import json

    return str(json.loads(body)["time"])


def poisoned(item: tuple[str, bytes], at: str, f_cnt: int) -> tuple[str, bytes]:
    """The same uplink as ``item`` from a gateway whose clock says ``at`` (ChirpStack before 4.6
    gives no server time to fall back on), with its own frame counter."""
    topic, body = item
    doc = json.loads(body)
    doc.update(time=at, fCnt=f_cnt, deduplicationId=f"00000000-0000-4000-8000-{f_cnt:012d}")
    for rx in doc.get("rxInfo", []):
        rx.pop("nsTime", None)
        rx["gwTime"] = at
    return topic, json.dumps(doc).encode()


@pytest.mark.parametrize("backend", ["sqlite", "influxdb"])
def test_poisoned_times_fail_their_uplinks_and_block_nothing(tmp_path: Path, backend: str) -> None:
    future = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    stamps = ["2300-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", future]
    traffic = TRAFFIC[:600]
    bad = [poisoned(traffic[10 + 100 * i], at, 900_000 + i) for i, at in enumerate(stamps)]
    influx = InfluxProcess(tmp_path / "influx") if backend == "influxdb" else None
    if influx is not None:
        influx.start()
    url = (
        f"influxdb://127.0.0.1:{influx.http_port}/releve"
        if influx is not None
        else f"sqlite:///{tmp_path / 'run' / 'data' / 'readings.db'}"
    )
    run = Run(tmp_path / "run", url, influx)
    try:
        run.bridge.start()
        run.bridge.wait_connected()
        for i in range(0, len(traffic), 100):  # each poisoned one amid good ones, none last
            run.publish([*traffic[i : i + 100], *bad[i // 100 : i // 100 + 1]])
        run.wait_done()
        registry = run.registry()
        with registry.engine.connect() as conn:
            u = schema.uplinks
            rows = conn.execute(select(u.c.f_cnt, u.c.state, u.c.error)).all()
        registry.close()
        store = open_store(url)
        try:
            latest = store.latest()
        finally:
            store.close()
    finally:
        run.close()
        if influx is not None:
            influx.stop()
    failed = sorted((f, e) for f, s, e in rows if s == "failed")
    assert [f for f, _ in failed] == [900_000, 900_001, 900_002, 900_003]
    assert all(e.startswith("ImplausibleTime: reading time ") for _, e in failed)
    assert [s for f, s, _ in rows if f < 900_000].count("decoded") == len(traffic)
    assert max(r.ts for r in latest) < END  # no series' latest value is in 2300
