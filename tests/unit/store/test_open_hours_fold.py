"""What OpenHours folds in memory, batch after batch, equals the rollups of all the points at once:
one point a series (folded inline) or several (the general loop), across hours, days and months."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.types import HOUR_NS, Reading
from store.influx.lineprotocol import SeriesPrefixes, timestamp
from store.influx.open_hours import HourKey, HourStats, OpenHours, Rollup, merge_all, value_of
from store.influx.rollups import Rollups

T0 = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)  # an evening before a month's end (Paris)
EUIS = ("0102030405060701", "0102030405060702")

steps = st.lists(
    st.tuples(
        st.sampled_from(EUIS),
        st.integers(1, 100),  # minutes after the series' previous point
        st.floats(-1e6, 1e6, allow_nan=False),
        st.one_of(st.none(), st.floats(0, 1e3, allow_nan=False)),
        st.booleans(),  # a new batch starts here
    ),
    min_size=1,
    max_size=60,
)


def reference(points: list[Reading]) -> tuple[dict[HourKey, HourStats], dict[HourKey, HourStats]]:
    """Each hour's rollup from its points, each local day's from its hours, in time order."""
    rollups = Rollups(None, ZoneInfo("Europe/Paris"), SeriesPrefixes())  # type: ignore[arg-type]
    hours: dict[HourKey, HourStats] = {}
    for r in sorted(points, key=lambda r: r.ts):
        ns = timestamp(r.ts)
        key = (r.dev_eui, r.quantity, r.channel, ns - ns % HOUR_NS)
        value = float(r.value)
        if key in hours:
            hours[key].add(value, r.delta)
        else:
            hours[key] = HourStats(1, r.delta, value, value, value, value, value)
    by_day: dict[HourKey, list[HourStats]] = {}
    for key in sorted(hours, key=lambda k: k[3]):
        day = rollups.periods(key[3])[0]
        by_day.setdefault((*key[:3], day), []).append(hours[key])
    days = {key: merged for key, rows in by_day.items() if (merged := merge_all(rows)) is not None}
    return hours, days


def latest(found: Mapping[HourKey, Rollup]) -> dict[HourKey, HourStats]:
    return {key: value for key, rollup in found.items() if isinstance(value := value_of(rollup), HourStats)}


@settings(max_examples=150, deadline=None)
@given(steps)
def test_folding_batch_after_batch_equals_the_rollups_of_all_points(
    plan: list[tuple[str, int, float, float | None, bool]],
) -> None:
    rollups = Rollups(None, ZoneInfo("Europe/Paris"), SeriesPrefixes())  # type: ignore[arg-type]
    cache = OpenHours(periods=rollups.periods)
    at = dict.fromkeys(EUIS, T0)
    batches: list[list[Reading]] = [[]]
    for eui, minutes, value, delta, new_batch in plan:
        if new_batch and batches[-1]:
            batches.append([])
        at[eui] += timedelta(minutes=minutes)
        batches[-1].append(Reading(eui, "water_volume", value, "m3", "cumulative", at[eui], delta=delta))
    hours: dict[HourKey, HourStats] = {}
    days: dict[HourKey, Rollup] = {}
    for batch in batches:  # (the store's newest point of a series this writer does not hold: none)
        folded = cache.fold(batch, dict.fromkeys(cache.unknown({r.series for r in batch})))
        assert not folded.rest and not folded.days_unknown  # one writer, in time order
        hours.update(folded.hours)
        days.update(folded.days)
    want_hours, want_days = reference([r for batch in batches for r in batch])
    assert latest(hours) == want_hours
    assert latest(days) == want_days
