"""The FastAPI application: ``create_app(settings)`` builds it; the lifespan opens store and registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from api import problems, usage_counting
from api.deps import AppState
from api.middleware import MAX_BODY_BYTES, BodyLimit, ForgetOnWrite
from api.routers import (
    alerts,
    charter,
    climate,
    costs,
    devices,
    keys,
    open_data,
    operations,
    overview,
    portability,
    reports,
    sites,
)
from dashboards import STATIC_DIR
from domain.alerts import AlertBook, ThresholdBook
from domain.climate.reports import ClimateReports
from domain.climate.weather import WeatherBook
from domain.costs.tariffs import TariffBook
from domain.portability.usage import RequestCounter
from ingest.archive import Archive
from kernel import __version__
from kernel.settings import Settings, load_settings
from registry import open_registry
from store.open import open_store


def open_state(settings: Settings) -> AppState:
    """Open what the API needs; the caller closes it with ``close_state``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    registry = open_registry(settings.effective_registry_url)
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


def _forget_cached_reads(scope: Scope) -> None:
    state: AppState | None = getattr(scope["app"].state, "releve", None)
    if state is not None:
        state.forget()


def create_app(settings: Settings, state: AppState | None = None) -> FastAPI:
    """The API and the technicians' page. Pass ``state`` to share open stores (``releve run``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = state is None
        app.state.releve = state or open_state(settings)
        try:
            yield
        finally:
            usage_counting.flush_now(app)
            if owned:
                close_state(app.state.releve)

    app = FastAPI(
        title="releve",
        version=__version__,
        summary="LoRaWAN metering for towns: provisioning, consumption, alerts, open data",
        lifespan=lifespan,
    )
    problems.install(app)
    problems.document(app)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(ForgetOnWrite, forget=_forget_cached_reads)
    usage_counting.install(app, RequestCounter())

    routers = (overview, devices, sites, costs, reports, alerts, keys, operations, open_data, climate)
    for module in (*routers, charter, portability):
        app.include_router(module.router)

    @app.get("/healthz", tags=["health"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    app.mount("/ui", StaticFiles(directory=STATIC_DIR, html=True), name="ui")
    return app


def app_from_environment() -> FastAPI:
    """The app configured by RELEVE_* (and RELEVE_CONFIG): what each of several uvicorn workers
    builds (``releve api --workers N``, or ``uvicorn --factory api.app:app_from_environment``)."""
    return create_app(load_settings())
