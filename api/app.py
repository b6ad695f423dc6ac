"""The FastAPI application: ``create_app(settings, state)`` builds it on what the process opened."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from api import docs, problems, usage_counting
from api.deps import AppState
from api.middleware import MAX_BODY_BYTES, BodyLimit, ForgetOnWrite, OpenAccess
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
    tenants,
)
from dashboards import STATIC_DIR
from domain.portability.usage import RequestCounter
from kernel import __version__
from kernel.settings import Settings

# How to open the state for the app's lifetime: ``releve.services.opened``.
StateOpener = Callable[[Settings], AbstractContextManager[AppState]]


def _forget_cached_reads(scope: Scope) -> None:
    state: AppState | None = getattr(scope["app"].state, "releve", None)
    if state is not None:
        state.forget()


def create_app(settings: Settings, state: AppState | StateOpener) -> FastAPI:
    """The API and the technicians' page, on ``state``: open already (shared with the bridge in
    ``releve run``), or opened by ``state(settings)`` for the app's lifetime (``releve.services``
    opens everything a process uses; the API opens nothing itself)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with nullcontext(state) if isinstance(state, AppState) else state(settings) as opened:
            app.state.releve = opened
            try:
                yield
            finally:
                usage_counting.flush_now(app)

    app = FastAPI(
        title="releve",
        version=__version__,
        summary="LoRaWAN metering for towns: provisioning, consumption, alerts, open data",
        lifespan=lifespan,
        # served by api.docs from assets shipped in a package: no CDN
        docs_url=None,
        redoc_url=None,
    )
    problems.install(app)
    problems.document(app)
    docs.install(app)

    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(ForgetOnWrite, forget=_forget_cached_reads)
    usage_counting.install(app, RequestCounter())
    app.add_middleware(OpenAccess)

    routers = (
        overview,
        devices,
        sites,
        costs,
        reports,
        alerts,
        keys,
        tenants,
        operations,
        open_data,
        climate,
    )
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
