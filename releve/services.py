"""The one place that opens what a process works with: the registry, the raw archive, the store
and the domain's services (books, reports), each built once. The bridge, the alert loop, the API
and the commands all get them from here (an ``AppState``), and close them with ``close_state``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from api.app import create_app
from api.deps import AppState
from domain.alerts import AlertBook, ThresholdBook
from domain.climate.reports import ClimateReports
from domain.climate.weather import WeatherBook
from domain.costs.tariffs import TariffBook
from kernel.settings import Settings, load_settings
from registry import Registry, open_registry
from releve.bridge import close_bridge_state, open_bridge_state


def open_registry_of(settings: Settings) -> Registry:
    """The registry alone (migrated to the current schema), for the commands that need nothing else."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return open_registry(settings.effective_registry_url)


def open_state(settings: Settings) -> AppState:
    """Open the registry (migrated to the current schema) and the store, as a bridge does
    (``releve.bridge.open_bridge_state``), and the domain's services on them; the caller closes
    them with ``close_state``."""
    stores = open_bridge_state(settings)
    registry, store = stores.registry, stores.store
    weather = WeatherBook(registry.engine)
    return AppState(
        settings=settings,
        registry=registry,
        archive=stores.archive,
        store=store,
        tariffs=TariffBook(registry.engine),
        alerts=AlertBook(registry.engine),
        weather=weather,
        thresholds=ThresholdBook(registry.engine),
        climate=ClimateReports(store, registry, weather, settings.timezone),
    )


def close_state(state: AppState) -> None:
    close_bridge_state(state)


@contextmanager
def opened(settings: Settings) -> Iterator[AppState]:
    """``open_state`` for the time of a ``with`` block."""
    state = open_state(settings)
    try:
        yield state
    finally:
        close_state(state)


def web_app(settings: Settings) -> FastAPI:
    """The API and the technicians' page, opening what they use for the app's lifetime."""
    return create_app(settings, opened)


def app_from_environment() -> FastAPI:
    """The app configured by RELEVE_* (and RELEVE_CONFIG): what each of several uvicorn workers
    builds (``releve api --workers N``, or ``uvicorn --factory releve.services:app_from_environment``)."""
    return web_app(load_settings())
