"""A held writer (the bridge) whose raw write fails: no rollup counts points that are not stored,
and the batch written again gives the rollups of a run without the failure, exactly; a batch
refused and left out is left out of every rollup.

The store talks to a real InfluxDB through a transport that fails chosen raw writes: refused
before InfluxDB sees them (a 503, or a 400 for points it would never take), or taken by
InfluxDB with the answer lost (a timeout: the points are stored and the writer does not know
it)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kernel.types import Reading
from store.errors import StoreRejected, StoreUnavailable
from store.influx.store import InfluxStore

pytestmark = pytest.mark.integration

_db = itertools.count()
START = datetime(2026, 3, 31, 14, tzinfo=UTC)  # to 05:00 on 1 April in Paris: hours, a day, a month
DEVICES = [f"00000000000001{n:02x}" for n in range(6)]


def batches() -> list[list[Reading]]:
    """Forty batches of six meters (index and its delta) and six thermometers, every 20 minutes;
    values exact in binary, so that any order of addition gives the same sums."""
    out = []
    for step in range(40):
        ts = START + timedelta(minutes=20 * step)
        batch = []
        for n, eui in enumerate(DEVICES):
            index = 1000.0 + step * (n + 1) * 0.5
            batch.append(Reading(eui, "water_volume", index, "m3", "cumulative", ts, delta=(n + 1) * 0.5))
            batch.append(Reading(eui, "temperature", 18.0 + (step % 7) * 0.25, "degC", "instantaneous", ts))
        out.append(batch)
    return out


class Failing(httpx.BaseTransport):
    """Forwards to the real InfluxDB; the raw writes numbered in ``fail`` fail as ``how`` says."""

    def __init__(self, fail: set[int], how: str) -> None:
        self.real = httpx.HTTPTransport()
        self.fail, self.how, self.raw_writes, self.failed = fail, how, 0, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/write" and request.url.params.get("rp") == "raw":
            self.raw_writes += 1
            if self.raw_writes in self.fail:
                self.failed += 1
                if self.how == "refused":
                    return httpx.Response(503, text="overloaded", request=request)
                if self.how == "rejected":
                    return httpx.Response(400, text="bad points", request=request)
                answer = self.real.handle_request(request)  # stored, and the answer lost
                answer.read()
                answer.close()
                raise httpx.ReadTimeout("answer lost", request=request)
        return self.real.handle_request(request)

    def close(self) -> None:
        self.real.close()


def rollups(store: InfluxStore) -> dict[str, set[tuple[Any, ...]]]:
    out: dict[str, set[tuple[Any, ...]]] = {}
    client = store.client
    for measurement, source in (("hours", client.rollups), ("days", client.days), ("months", client.months)):
        rows = set()
        for s in client.query(f"SELECT * FROM {source} GROUP BY *"):
            columns = s["columns"]
            for values in s.get("values", []):
                rows.add((tuple(sorted(s["tags"].items())), *zip(columns, values, strict=True)))
        assert rows, f"no {measurement}"
        out[measurement] = rows
    return out


@pytest.fixture
def stores() -> Iterator[list[InfluxStore]]:
    opened: list[InfluxStore] = []
    yield opened
    for store in opened:
        store.close()


def open_store(
    url: str, opened: list[InfluxStore], transport: httpx.BaseTransport | None = None
) -> InfluxStore:
    store = InfluxStore.from_url(
        f"{url}/failed_writes_{next(_db)}", transport=transport, timezone="Europe/Paris"
    )
    store.hold_rollups(True)
    opened.append(store)
    return store


@pytest.mark.parametrize("how", ["refused", "answer_lost"])
def test_a_failed_write_while_holding_changes_no_rollup(
    influx_url: str, stores: list[InfluxStore], how: str
) -> None:
    everything = batches()
    reference = open_store(influx_url, stores)
    seen = []  # the reference's rollups after each batch and a flush
    for batch in everything:
        reference.write(batch)
        reference.flush()
        seen.append(rollups(reference))

    failing = Failing({5, 14, 15, 27}, how)
    store = open_store(influx_url, stores, failing)
    for n, batch in enumerate(everything):
        try:
            store.write(batch)
        except StoreUnavailable:
            # What a flush writes before the batch is written again counts no point that is not
            # stored. (With the answer lost, the batch's points are stored and not yet counted:
            # the batch written again counts them.)
            store.flush()
            if how == "refused":
                assert rollups(store) == seen[n - 1], f"batch {n}"
            while True:  # the processor takes the batch again
                try:
                    store.write(batch)
                    break
                except StoreUnavailable:
                    store.flush()
        if n % 4 == 3:
            store.flush()
    store.flush()
    assert failing.failed == 4
    assert rollups(store) == seen[-1]
    # and a later batch gives the same rollups too
    late = [
        Reading(eui, "temperature", 21.0, "degC", "instantaneous", START + timedelta(hours=14))
        for eui in DEVICES
    ]
    reference.write(late)
    reference.flush()
    store.write(late)
    store.flush()
    assert rollups(store) == rollups(reference)


def test_a_batch_refused_while_holding_is_left_out_of_every_rollup(
    influx_url: str, stores: list[InfluxStore]
) -> None:
    """InfluxDB refuses a batch (the processor then fails its uplinks and goes on without them):
    the next batches fold into the same hours, days and months as if it had never been sent."""
    everything, refused = batches(), {5, 12, 13, 26}
    reference = open_store(influx_url, stores)
    for n, batch in enumerate(everything):
        if n not in refused:
            reference.write(batch)
    reference.flush()

    failing = Failing({6, 13, 14, 27}, "rejected")  # the raw writes of the batches refused
    store = open_store(influx_url, stores, failing)
    for n, batch in enumerate(everything):
        try:
            store.write(batch)
            assert n not in refused, f"batch {n} was written"
        except StoreRejected:
            assert n in refused
        if n % 4 == 3:
            store.flush()
    store.flush()
    assert failing.failed == 4
    assert rollups(store) == rollups(reference)
