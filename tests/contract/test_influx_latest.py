"""InfluxDB's ``latest`` asks the newest shards first, and further back only for the series they
lack: with a year of weekly raw shards, asking every shard made the monthly report 1.5 s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.influx_store import InfluxStore
from releve.types import Reading

NOW = datetime.now(UTC).replace(microsecond=0)


def temp(eui: str, ts: datetime, value: float) -> Reading:
    return Reading(eui, "temperature", value, "degC", "instantaneous", ts)


@pytest.mark.integration
def test_only_devices_with_a_silent_series_are_looked_for_further_back(
    influx_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = InfluxStore(influx_url, "latest_shards")
    live, silent = [f"{i:016x}" for i in range(1, 6)], "00000000000000ff"
    store.write([temp(eui, NOW - timedelta(days=d), d) for eui in live for d in (100, 1)])
    store.write([temp(silent, NOW - timedelta(days=60), 60.0)])
    asked: list[tuple[list[str], str]] = []
    newest_of = store._newest_of

    def spy(wheres: list[str], when: str) -> object:
        asked.append((wheres, when))
        return newest_of(wheres, when)

    monkeypatch.setattr(store, "_newest_of", spy)
    assert {(r.dev_eui, r.value) for r in store.latest(live)} == {(e, 1.0) for e in live}
    assert len(asked) == 1 and asked[0][1].startswith("time >= ")  # the newest shards alone

    asked.clear()
    found = {(r.dev_eui, r.value) for r in store.latest([*live, silent])}
    assert found == {*((e, 1.0) for e in live), (silent, 60.0)}
    (_, recent), (older, before) = asked
    assert recent.startswith("time >= ") and before.startswith("time < ")
    assert older == [f"(dev_eui = '{silent}')"]  # the live devices are not asked again
    store.close()
