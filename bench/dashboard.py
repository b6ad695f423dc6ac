"""The overview for a town of 200 sites: API time and page time in headless Chromium.

Seeds a registry and a SQLite store through their real interfaces (sites, devices, hourly
index readings whose deltas the store rolls up) for this month so far and the same days last
year, serves them with uvicorn, then measures ``GET /api/v1/overview`` and the page until the
table shows every site. ``python -m bench.dashboard --write`` updates BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import uvicorn

from api.app import create_app
from api.deps import AppState
from bench.report import machine_line, write_section
from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, Registry, Role
from releve.broker import free_port, wait_for_port
from releve.services import close_state, open_state
from store import Store

USES = ("school", "gym", "library", "town hall", "pool", "nursery", "church", "workshop")
# Each site: a water meter and an electricity meter (hourly index readings).
METERS = (("water_volume", "m3", 0.05), ("energy_import", "kWh", 4.0))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclass(frozen=True, slots=True)
class Seeded:
    sites: int
    devices: int
    readings: int
    seconds: float


def _hours(start: datetime, end: datetime, step_h: int) -> Iterator[datetime]:
    t = start.replace(minute=0, second=0, microsecond=0)
    while t < end:
        yield t
        t += timedelta(hours=step_h)


def seed(registry: Registry, store: Store, sites: int, now: datetime, tz: str, *, step_h: int = 1) -> Seeded:
    """``sites`` sites with a water and an electricity meter each, read every ``step_h`` hours
    from the start of this month (and the same days last year) until ``now``."""
    began = time.perf_counter()
    tenant = registry.owner_tenant()
    local = now.astimezone(ZoneInfo(tz))
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    periods = [
        (month_start.astimezone(UTC), now),
        (month_start.replace(year=month_start.year - 1).astimezone(UTC), now - timedelta(days=365)),
    ]
    devices: list[Device] = []
    for i in range(sites):
        use = USES[i % len(USES)]
        site = registry.ensure_site(
            tenant.id,
            f"site-{i:03d}",
            f"{use.title()} {i:03d}",
            use=use,
            latitude=45.10 + (i % 20) * 0.004,
            longitude=5.60 + (i // 20) * 0.006,
            floor_area_m2=300.0 + 25 * (i % 40),
        )
        for j, (quantity, _, _) in enumerate(METERS):
            devices.append(
                Device(
                    dev_eui=f"70b3d5{i:06x}{j:04x}",
                    tenant_id=tenant.id,
                    name=f"{quantity} {i:03d}",
                    model="netvox/r718h",
                    site_id=site.id,
                    metering_point=f"{quantity}-main",
                )
            )
    registry.add_devices(devices)
    written = 0
    for n, device in enumerate(devices):
        quantity, unit, rate = METERS[n % len(METERS)]
        batch: list[Reading] = []
        for year, (start, end) in enumerate(periods):
            index = 1000.0 + n
            # Last year's level differs by building: from 20 % less to 20 % more than this year.
            level = (1 + (n % 7) / 10) * (1 + year * ((n % 5) - 2) / 10)
            for ts in _hours(start, end, step_h):
                # A daily rhythm: busy days, quiet nights, a different level per building.
                factor = 1.5 if 7 <= ts.hour <= 18 else 0.3
                delta = rate * step_h * factor * level
                index += delta
                batch.append(Reading(device.dev_eui, quantity, index, unit, "cumulative", ts, delta=delta))
        store.write(batch)
        written += len(batch)
    return Seeded(len({d.site_id for d in devices}), len(devices), written, time.perf_counter() - began)


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        pass


@contextmanager
def serving(settings: Settings, state: AppState) -> Iterator[str]:
    """The API and the page on a free port, in a thread."""
    server = _Server(
        uvicorn.Config(
            create_app(settings, state), host="127.0.0.1", port=settings.api_port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(settings.api_port)
    try:
        yield f"http://127.0.0.1:{settings.api_port}"
    finally:
        server.should_exit = True
        thread.join(10)


def time_api(base: str, token: str, runs: int) -> list[float]:
    """Seconds per ``GET /api/v1/overview`` (the first run warms caches; all are reported)."""
    out = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for _ in range(runs):
            began = time.perf_counter()
            response = client.get("/api/v1/overview")
            response.raise_for_status()
            out.append(time.perf_counter() - began)
    return out


def time_page(base: str, token: str, sites: int, runs: int) -> list[float]:
    """Seconds from navigation to the overview table showing every site, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/")
        page.evaluate("key => sessionStorage.setItem('releve.key', key)", token)
        for _ in range(runs):
            page.goto("about:blank")
            began = time.perf_counter()
            page.goto(f"{base}/#/")
            page.wait_for_function(
                "n => document.querySelectorAll('#overview tbody tr').length === n", arg=sites, timeout=60_000
            )
            out.append(time.perf_counter() - began)
        browser.close()
    return out


def run(sites: int, runs: int, step_h: int) -> tuple[Seeded, list[float], list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), api_port=free_port())
        state = open_state(settings)
        try:
            seeded = seed(
                state.registry, state.store, sites, datetime.now(UTC), settings.timezone, step_h=step_h
            )
            _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.VIEWER, "bench")
            with serving(settings, state) as base:
                api = time_api(base, token, runs + 1)
                page = time_page(base, token, sites, runs)
        finally:
            close_state(state)
    return seeded, api, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--step-hours", type=int, default=1, help="hours between seeded readings")
    parser.add_argument("--write", action="store_true", help="update the dashboard section of BENCHMARKS.md")
    args = parser.parse_args()
    seeded, api, page = run(args.sites, args.runs, args.step_hours)
    warm = api[1:]
    lines = [
        f"seeded {seeded.sites} sites, {seeded.devices} meters, {seeded.readings:,} readings "
        f"in {seeded.seconds:.1f} s",
        f"GET /api/v1/overview: first {api[0] * 1000:.0f} ms, median {statistics.median(warm) * 1000:.0f} ms",
        f"page until {seeded.sites} rows: median {statistics.median(page) * 1000:.0f} ms (runs: "
        + ", ".join(f"{s * 1000:.0f}" for s in page)
        + " ms)",
    ]
    print("\n".join(lines))
    if args.write:
        command = f"python -m bench.dashboard --sites {args.sites} --runs {args.runs} --write"
        write_section(
            "dashboard",
            f"""## The technicians' overview for {seeded.sites} sites

{machine_line(command, args.runs)}
Workload: {seeded.sites} sites, each with a water and an electricity meter read every
{args.step_hours} h this month so far and on the same days last year ({seeded.readings:,} readings,
SQLite store and registry), served by uvicorn; the page in Debian's headless Chromium.

| what | median |
|---|---:|
| `GET /api/v1/overview` (warm) | {statistics.median(warm) * 1000:.0f} ms |
| `GET /api/v1/overview` (first call) | {api[0] * 1000:.0f} ms |
| overview page, navigation until the table lists every site | {statistics.median(page) * 1000:.0f} ms |

The API's time is the store reading this month's and last year's rollups of every meter in one
`Store.aggregate_many` call per quantity and period. When the overview queried and folded
each meter's rollups one by one, two queries per meter and period, it took 7.5 s for this
fleet (cProfile, 2026-11-30). The machine is shared with
other jobs while measuring (load average {os.getloadavg()[0]:.1f}), so figures are an upper bound.
""",
        )


if __name__ == "__main__":
    main()
