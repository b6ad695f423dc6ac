"""Tariff maths against hand-computed bills (Europe/Paris days, daylight-saving days included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.costs.pricing import Slice, fixed_share, in_hours, period_of, price, tariff_at, total_cost
from domain.costs.tariffs import Period, Tariff

PARIS = ZoneInfo("Europe/Paris")
HC_HP = (
    Period("HC", 0.20, hours=((22, 6),)),
    Period("HP", 0.30, hours=((6, 22),)),
)


def local(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=PARIS)


def hourly(start: datetime, end: datetime, value: float = 1.0, channel: str = "") -> list[Slice]:
    """One slice of ``value`` for every real hour in [start, end)."""
    slices = []
    at = start.astimezone(UTC)
    while at < end:
        slices.append(Slice(at, channel, value))
        at += timedelta(hours=1)
    return slices


def hour_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    return [(s.start, s.start + timedelta(hours=1)) for s in hourly(start, end)]


def test_hours_wrap_past_midnight() -> None:
    assert sorted(h for h in range(24) if in_hours([(22, 6)], h)) == [0, 1, 2, 3, 4, 5, 22, 23]
    assert [h for h in range(24) if in_hours([(6, 22)], h)] == list(range(6, 22))
    assert [h for h in range(24) if in_hours([(12, 14), (18, 24)], h)] == [12, 13, 18, 19, 20, 21, 22, 23]


@pytest.mark.parametrize(
    ("day", "hours", "hc_hours", "expected"),
    [
        # an ordinary day: 8 HC hours at 0.20, 16 HP hours at 0.30, 1 EUR of the 31-EUR month
        (date(2026, 3, 10), 24, 8, 8 * 0.20 + 16 * 0.30 + 1.0),
        # spring forward: 23 hours, 02:00 never happens, so one HC hour fewer
        (date(2026, 3, 29), 23, 7, 7 * 0.20 + 16 * 0.30 + 1.0),
        # fall back: 25 hours, 02:00 happens twice, both HC
        (date(2026, 10, 25), 25, 9, 9 * 0.20 + 16 * 0.30 + 1.0),
    ],
)
def test_hc_hp_by_clock_hours_over_a_paris_day(day: date, hours: int, hc_hours: int, expected: float) -> None:
    tariffs = [Tariff("energy_import", 0.25, fixed_per_month=31.0, periods=HC_HP)]
    start, end = local(day.year, day.month, day.day), local(day.year, day.month, day.day + 1)
    slices = hourly(start, end)
    assert len(slices) == hours
    (whole,) = price(tariffs, slices, [(start, end)], "Europe/Paris")
    assert whole.periods == {"HC": hc_hours, "HP": 16}
    assert whole.cost == pytest.approx(expected)
    # Priced hour by hour, the day's fixed euro spreads over its real hours and adds up the same.
    by_hour = price(tariffs, slices, hour_windows(start, end), "Europe/Paris")
    assert len(by_hour) == hours
    assert by_hour[0].cost == pytest.approx(0.20 + 1.0 / hours)
    assert by_hour[12].periods == {"HP": 1.0}
    assert total_cost(by_hour) == pytest.approx(expected)


def test_a_tariff_change_mid_month() -> None:
    tariffs = [
        Tariff("water_volume", 2.0, fixed_per_month=30.0),
        Tariff("water_volume", 3.0, fixed_per_month=60.0, valid_from=date(2026, 6, 16)),
    ]
    slices = [Slice(local(2026, 6, d, 12).astimezone(UTC), "", 1.0) for d in range(1, 31)]
    june = (local(2026, 6, 1), local(2026, 7, 1))
    (month,) = price(tariffs, slices, [june], "Europe/Paris")
    # 15 m3 at 2 and 15 at 3; fixed: 15 days of 30/30 and 15 days of 60/30
    assert month.cost == pytest.approx(15 * 2.0 + 15 * 3.0 + 15 * 1.0 + 15 * 2.0)
    days = [(local(2026, 6, d), local(2026, 6, d) + timedelta(days=1)) for d in range(1, 31)]
    by_day = price(tariffs, slices, days, "Europe/Paris")
    assert by_day[14].cost == pytest.approx(2.0 + 1.0)  # 15 June, the old tariff
    assert by_day[15].cost == pytest.approx(3.0 + 2.0)  # 16 June, the new one
    assert total_cost(by_day) == pytest.approx(120.0)
    assert tariff_at(tariffs, date(2026, 6, 15)) is tariffs[0]
    assert tariff_at(tariffs, date(2026, 6, 16)) is tariffs[1]


def test_the_fixed_part_is_owed_on_days_without_consumption() -> None:
    tariffs = [Tariff("water_volume", 2.0, fixed_per_month=28.0)]
    feb = [(local(2026, 2, d), local(2026, 2, d) + timedelta(days=1)) for d in range(1, 29)]
    costs = price(tariffs, [], feb, "Europe/Paris")
    assert [c.cost for c in costs] == pytest.approx([1.0] * 28)
    assert fixed_share(tariffs, local(2026, 2, 1), local(2026, 3, 1), PARIS) == pytest.approx(28.0)
    # Half a day of a 31-day month.
    assert fixed_share(tariffs, local(2026, 1, 5, 0), local(2026, 1, 5, 12), PARIS) == pytest.approx(
        28.0 / 31 / 2
    )


def test_no_tariff_means_no_cost_not_zero() -> None:
    later = [Tariff("water_volume", 2.0, fixed_per_month=30.0, valid_from=date(2026, 6, 3))]
    slices = [Slice(local(2026, 6, d, 12).astimezone(UTC), "", 1.0) for d in (1, 2, 3)]
    days = [(local(2026, 6, d), local(2026, 6, d) + timedelta(days=1)) for d in (1, 2, 3)]
    costs = price(later, slices, days, "Europe/Paris")
    assert [c.cost for c in costs] == [None, None, pytest.approx(3.0)]
    assert [c.unpriced for c in costs] == [1.0, 1.0, 0.0]
    assert total_cost(costs) == pytest.approx(3.0)
    assert price([], slices, days, "Europe/Paris")[0].cost is None
    assert price([], [], days, "Europe/Paris")[0].cost is None


def test_a_meter_register_wins_over_the_clock() -> None:
    tariff = Tariff(
        "energy_import",
        0.25,
        periods=(
            Period("HC", 0.20, channel="HCHC", hours=((22, 6),)),
            Period("HP", 0.30, channel="HCHP", hours=((6, 22),)),
        ),
    )
    # The Linky counted this noon hour on its off-peak register (its HC hours are its own).
    assert period_of(tariff, "HCHC", 12) == ("HC", 0.20)
    assert period_of(tariff, "HCHP", 23) == ("HP", 0.30)
    # A single-register meter falls back to the clock.
    assert period_of(tariff, "", 23) == ("HC", 0.20)
    assert period_of(tariff, "BASE", 12) == ("HP", 0.30)
    # Outside every period: the base price.
    flat = Tariff("energy_import", 0.25, periods=(Period("HC", 0.2, channel="HCHC"),))
    assert period_of(flat, "BASE", 3) == ("base", 0.25)


def test_point_costs_sum_to_the_total_over_a_week_of_hours() -> None:
    tariffs = [
        Tariff("energy_import", 0.25, fixed_per_month=12.34, periods=HC_HP),
        Tariff("energy_import", 0.5, fixed_per_month=7.0, valid_from=date(2026, 3, 30)),
    ]
    start, end = local(2026, 3, 26), local(2026, 4, 2)
    slices = hourly(start, end, 0.37)
    by_hour = price(tariffs, slices, hour_windows(start, end), "Europe/Paris")
    (whole,) = price(tariffs, slices, [(start, end)], "Europe/Paris")
    assert whole.cost is not None
    assert sum(c.cost or 0.0 for c in by_hour) == pytest.approx(whole.cost, abs=1e-6)
    assert total_cost(by_hour) == pytest.approx(whole.cost, abs=1e-6)
    # Slices outside every window are not priced.
    assert price(tariffs, slices, [(end, end + timedelta(hours=1))], "Europe/Paris")[0].periods == {}


@settings(max_examples=60, deadline=None)
@given(
    prices=st.lists(st.floats(0, 5), min_size=1, max_size=3),
    fixed=st.floats(0, 100),
    hc=st.tuples(st.integers(0, 23), st.integers(0, 23)).filter(lambda h: h[0] != h[1]),
    change_day=st.integers(1, 20),
    values=st.lists(st.floats(0, 10), min_size=1, max_size=60),
)
def test_any_split_into_days_adds_up_to_the_whole(
    prices: list[float], fixed: float, hc: tuple[int, int], change_day: int, values: list[float]
) -> None:
    tariffs = [
        Tariff(
            "energy_import",
            unit_price,
            fixed_per_month=fixed * (i + 1),
            valid_from=None if i == 0 else date(2026, 10, 10 + (i * change_day) % 20),
            periods=(Period("HC", unit_price / 2, hours=(hc,)),),
        )
        for i, unit_price in enumerate(prices)
    ]
    # 20 October to 9 November 2026: across the end of daylight saving time and a month's end.
    start, end = local(2026, 10, 20), local(2026, 11, 9)
    slices = [Slice(start.astimezone(UTC) + timedelta(hours=7 * i), "", v) for i, v in enumerate(values)]
    # Wall-clock arithmetic on Paris times: each window is a local day, 25 hours on 25 October.
    days = [(start + timedelta(days=d), start + timedelta(days=d + 1)) for d in range(20)]
    by_day = price(tariffs, slices, days, "Europe/Paris")
    (whole,) = price(tariffs, slices, [(start, end)], "Europe/Paris")
    assert whole.cost is not None
    assert total_cost(by_day) == pytest.approx(whole.cost, rel=1e-9, abs=1e-6)
    assert sum(whole.periods.values()) == pytest.approx(sum(values), abs=1e-6)
