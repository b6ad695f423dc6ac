"""``Store.neighbours``: what a writer places replays and late readings among, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kernel.types import Reading
from store import Store
from store.protocol import Neighbourhood, SeriesSpan

T0 = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)
A, B, C = "0102030405060701", "0102030405060702", "0102030405060703"
REACH = timedelta(days=62)


def water(eui: str, hours: float, value: float, channel: str = "") -> Reading:
    return Reading(
        eui,
        "water_volume",
        value,
        "m3",
        "cumulative",
        T0 + timedelta(hours=hours),
        channel=channel,
        delta=0.5,
    )


def span(eui: str, start: float, end: float, channel: str = "") -> SeriesSpan:
    return SeriesSpan(eui, "water_volume", channel, T0 + timedelta(hours=start), T0 + timedelta(hours=end))


def values(n: Neighbourhood) -> tuple[float | None, list[float], float | None]:
    return (
        n.before.value if n.before else None,
        [r.value for r in n.inside],
        n.after.value if n.after else None,
    )


def test_each_span_gets_its_own_neighbours_in_one_call(store: Store) -> None:
    store.write([water(A, h, 100 + h) for h in range(10)])
    store.write([water(B, h, 200 + h) for h in (0, 1, 8, 9)])
    store.write([water(A, h, 300 + h, channel="2") for h in range(10)])
    # Days apart: the same call asks them apart (a late reading from last month).
    store.write([water(C, -24 * 40 + h, 400 + h) for h in range(3)])
    store.write([Reading(A, "temperature", 19.0, "degC", "instantaneous", T0 + timedelta(hours=4.5))])
    found = store.neighbours(
        [span(A, 3, 5), span(B, 2, 7), span(A, 9, 9, channel="2"), span(C, -24 * 40 + 1, -24 * 40 + 1)],
        REACH,
    )
    assert values(found[(A, "water_volume", "")]) == (102.0, [103.0, 104.0, 105.0], 106.0)
    assert values(found[(B, "water_volume", "")]) == (201.0, [], 208.0)
    assert values(found[(A, "water_volume", "2")]) == (308.0, [309.0], None)
    assert values(found[(C, "water_volume", "")]) == (400.0, [401.0], 402.0)
    got = found[(A, "water_volume", "")].inside[0]
    assert (got.ts, got.delta, got.kind) == (T0 + timedelta(hours=3), 0.5, "cumulative")


def test_nothing_around_is_absent_and_the_reach_is_kept(store: Store) -> None:
    store.write([water(A, 0, 100.0), water(A, 24 * 10, 110.0)])
    found = store.neighbours([span(A, 24 * 5, 24 * 5), span(B, 0, 1)], timedelta(days=2))
    assert (A, "water_volume", "") not in found  # the points are 5 days away, past the reach
    assert (B, "water_volume", "") not in found
    wide = store.neighbours([span(A, 24 * 5, 24 * 5)], timedelta(days=6))
    assert values(wide[(A, "water_volume", "")]) == (100.0, [], 110.0)
