"""The overview's totals (one Store.totals query per quantity and period) equal the consumption
series that the site pages fold from the same rollups."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from api.deps import AppState
from api.routers.overview import overview
from bench.dashboard import seed
from domain.consumption.analytics import consumption
from kernel.settings import Settings
from registry import Role
from releve.services import close_state, open_state
from store import Window


@pytest.fixture
def state(tmp_path: Path) -> Iterator[AppState]:
    state = open_state(Settings(data_dir=tmp_path))
    yield state
    close_state(state)


def test_overview_totals_match_each_sites_consumption(state: AppState) -> None:
    tz = state.settings.timezone
    seeded = seed(state.registry, state.store, 6, datetime.now(UTC), tz, step_h=4)
    assert seeded.sites == 6 and seeded.devices == 12
    key, _ = state.registry.create_key(state.registry.owner_tenant().id, Role.VIEWER, "t")
    result = overview(state, key)
    assert len(result.sites) == 6
    month_start = result.period_start
    last_year = month_start.replace(year=month_start.year - 1)
    now = result.now
    for site in result.sites:
        devices = state.registry.list_devices(site_id=site.site_id)
        assert {q.quantity for q in site.quantities} == {"water_volume", "energy_import"}
        for q in site.quantities:
            current = consumption(state.store, devices, q.quantity, Window.MONTH, month_start, now, tz)
            assert q.month_to_date == pytest.approx(current.total, rel=1e-9)
            before = consumption(
                state.store, devices, q.quantity, Window.MONTH, last_year, now.replace(year=now.year - 1), tz
            )
            assert q.same_period_last_year == pytest.approx(before.total, rel=1e-9)
            assert q.change_pct == round(100 * (current.total - before.total) / before.total, 1)
        assert site.last_seen is not None and site.devices == 2
    assert result.period_start.tzinfo is not None
    assert result.period_start.astimezone(ZoneInfo(tz)).day == 1


def test_a_site_without_meters_is_listed_empty(state: AppState) -> None:
    tenant = state.registry.owner_tenant()
    state.registry.ensure_site(tenant.id, "kiosque", "Kiosque")
    key, _ = state.registry.create_key(tenant.id, Role.VIEWER, "t")
    (site,) = overview(state, key).sites
    assert site.name == "Kiosque" and site.quantities == [] and site.last_seen is None and site.devices == 0
