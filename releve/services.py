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
from ingest.archive import Archive
from kernel.settings import Settings, load_settings
from registry import Registry, open_registry
from store.open import open_store


def open_registry_of(settings: Settings) -> Registry:
    """The registry alone (migrated to the current schema), for the commands that need nothing else."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return open_registry(settings.effective_registry_url)


def open_state(settings: Settings) -> AppState:
    """Open the registry (migrated to the current schema) and the store; the caller closes them
    with ``close_state``."""
    registry = open_registry_of(settings)
    try:
        store = open_store(
            settings.effective_store_url,
            raw_retention_days=settings.raw_retention_days,
            timezone=settings.timezone,
        )
    except Exception:
        registry.close()
        raise
    weather = WeatherBook(registry.engine)
    return AppState(
        settings=settings,
        registry=registry,
        archive=Archive(registry.engine),
        store=store,
        tariffs=TariffBook(registry.engine),
        alerts=AlertBook(registry.engine),
        weather=weather,
        thresholds=ThresholdBook(registry.engine),
        climate=ClimateReports(store, registry, weather, settings.timezone),
    )


def close_state(state: AppState) -> None:
    state.store.close()
    state.registry.close()


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
