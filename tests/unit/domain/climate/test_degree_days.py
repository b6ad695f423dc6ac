"""DJU by Météo-France's method, checked against values computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.climate.degree_days import daily_temperatures, degree_days, normalized, period_degree_days


def test_one_day_by_hand() -> None:
    assert degree_days(2.0, 8.0) == 13.0  # 18 - (2 + 8) / 2
    assert degree_days(-4.5, 3.5) == 18.5  # 18 - (-0.5)
    assert degree_days(15.0, 25.0) == 0.0  # 18 - 20 < 0: no heating need
    assert degree_days(10.0, 16.0, base=20) == 7.0
    assert degree_days(18.0, 18.0) == 0.0


def test_days_are_local_days() -> None:
    obs = [
        (datetime(2026, 1, 5, 5, tzinfo=UTC), 2.0),
        (datetime(2026, 1, 5, 14, tzinfo=UTC), 8.0),
        (datetime(2026, 1, 5, 23, 30, tzinfo=UTC), -1.0),  # 00:30 on the 6th in Paris
        (datetime(2026, 1, 6, 13, tzinfo=UTC), 5.0),
    ]
    days = {d.day: d for d in daily_temperatures(obs, "Europe/Paris")}
    assert [(d.min, d.max, d.count) for d in days.values()] == [(2, 8, 2), (-1, 5, 2)]
    assert period_degree_days(days, date(2026, 1, 5), date(2026, 1, 6)) == 13 + 16
    assert period_degree_days(days, date(2026, 1, 5), date(2026, 1, 7)) is None  # the 7th is missing
    utc_days = daily_temperatures(obs, "UTC")
    assert [(d.min, d.max) for d in utc_days] == [(-1, 8), (5, 5)]
    with pytest.raises(ValueError):
        daily_temperatures([(datetime(2026, 1, 5), 1.0)], "Europe/Paris")


def test_normalized_to_a_reference_winter() -> None:
    # 12,000 kWh in a mild winter of 1,800 DJU is 14,000 kWh in a normal one of 2,100 DJU
    assert normalized(12_000, 1_800, 2_100) == pytest.approx(14_000)
    assert normalized(500, 0, 2_100) is None
