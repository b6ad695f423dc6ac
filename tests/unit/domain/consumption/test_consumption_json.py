"""The hot path's JSON (domain.consumption.analytics.consumption_json) is byte for byte what FastAPI
writes for the ConsumptionSeries model: gaps, DST, time zones with odd offsets, UTC as Z."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.consumption.analytics import consumption, consumption_json
from kernel.types import Reading
from registry import Device
from store import Window
from store.open import open_store


@pytest.mark.parametrize("tz", ["Europe/Paris", "UTC", "Asia/Kolkata"])
def test_consumption_json_is_the_models_json(tmp_path: Path, tz: str) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'readings.db'}", timezone=tz)
    try:
        t0 = datetime(2026, 3, 20, tzinfo=UTC)  # across the spring DST change in Paris
        readings = []
        for eui, step in (("a000000000000001", 0.25), ("a000000000000002", 1 / 3)):
            value = 100.0
            for h in range(0, 24 * 20, 5):
                if 24 * 6 <= h < 24 * 9:
                    continue  # three days without readings: a gap (null consumption)
                value += step
                readings.append(
                    Reading(
                        eui, "water_volume", value, "m3", "cumulative", t0 + timedelta(hours=h), delta=step
                    )
                )
        store.write(readings)
        devices = [Device(eui, 1, eui, "netvox/r718h") for eui in ("a000000000000001", "a000000000000002")]
        end = t0 + timedelta(days=21, hours=7)
        for window in (Window.HOUR, Window.DAY, Window.WEEK, Window.MONTH):
            start = end - timedelta(days=3 if window is Window.HOUR else 25)
            model = consumption(store, devices, "water_volume", window, start, end, tz)
            assert any(p.consumption is None for p in model.points) or window is not Window.DAY
            fast = consumption_json(store, devices, "water_volume", window, start, end, tz)
            assert fast == model.model_dump_json().encode()
    finally:
        store.close()
