"""InfluxDB's ``latest`` asks the newest shards first, and further back only for the series they
lack, within the month of their newest monthly rollup: with a year of weekly raw shards, asking
every shard made the monthly report 3.5 s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kernel.types import Reading
from store.influx.store import InfluxStore

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
    newest_of = store.newest_of

    def spy(wheres: list[str], when: str) -> object:
        asked.append((wheres, when))
        return newest_of(wheres, when)

    monkeypatch.setattr(store, "newest_of", spy)
    assert {(r.dev_eui, r.value) for r in store.latest(live)} == {(e, 1.0) for e in live}
    assert len(asked) == 1 and asked[0][1].startswith("time >= ")  # the newest shards alone

    asked.clear()
    found = {(r.dev_eui, r.value) for r in store.latest([*live, silent])}
    assert found == {*((e, 1.0) for e in live), (silent, 60.0)}
    (_, recent), (older, month) = asked
    assert recent.startswith("time >= ") and month.startswith("time >= ") and " AND time < " in month
    assert older == [f"(dev_eui = '{silent}')"]  # the live devices are not asked again

    asked.clear()  # a device InfluxDB has never seen: every shard, which its index answers at once
    assert store.latest(["00000000000000ee"]) == []
    assert asked[-1] == (["(dev_eui = '00000000000000ee')"], "")
    store.close()


@pytest.mark.integration
def test_a_series_whose_newest_month_is_still_held_is_found(influx_url: str) -> None:
    """The bridge holds rollups up to 30 s: a series moved into a new month (here while catching
    up on weeks-old data) has that month's rollup in memory only, and its newest point, older
    than the last eight days and past the span of the stored month, is still its latest."""
    store = InfluxStore(influx_url, "latest_held", timezone="Europe/Paris")
    eui = "00000000000000aa"
    zone = ZoneInfo("Europe/Paris")
    month = (datetime.now(zone).replace(day=1) - timedelta(days=40)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    store.write([temp(eui, month - timedelta(hours=2), 1.0), temp(eui, month - timedelta(hours=1), 2.0)])
    store.hold_rollups(True)
    late = Reading(eui, "humidity", 55.0, "%", "instantaneous", month - timedelta(days=25))
    store.write([late])  # a new series, weeks old (its rollups are computed and written at once)
    store.write([temp(eui, month + timedelta(days=10), 3.0)])  # folded in memory, held
    assert store.held() > 0
    assert {(r.quantity, r.value) for r in store.latest([eui])} == {("temperature", 3.0), ("humidity", 55.0)}
    store.hold_rollups(False)
    store.close()
