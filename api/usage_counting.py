"""The middleware that counts API requests per tenant, written to the registry in batches.

A request counts for the tenant of its key (``current_key`` leaves the key on the request), or
for the publisher of an open-data path; a request without either (the page, a bad key) counts
for nobody. Counts are flushed every few hundred requests or seconds, off the event loop, and
when the app stops; a failed flush keeps the counts for the next one.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.portability.usage import RequestCounter, TenantRef
from registry import ApiKey
from registry.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

_OPEN = "/api/v1/open/"


def request_tenant(request: Request) -> TenantRef | None:
    key = getattr(request.state, "api_key", None)
    if isinstance(key, ApiKey):
        return key.tenant_id
    path = request.url.path
    if path.startswith(_OPEN):
        slug = path[len(_OPEN) :].split("/", 1)[0]
        if slug and slug != "catalog":
            return slug
    return None


def flush_now(app: FastAPI) -> None:
    """Write the counted requests now (before a usage report reads them)."""
    counter: RequestCounter | None = getattr(app.state, "usage_counter", None)
    state = getattr(app.state, "releve", None)
    if counter is None or state is None:
        return
    try:
        counter.flush(state.registry.engine)
    except DatabaseUnavailable as exc:
        log.warning("API usage counts not written yet (kept for the next flush): %s", exc)


class _CountRequests:
    """Plain ASGI: after each HTTP request, count it for its tenant (see ``request_tenant``)."""

    def __init__(self, app: ASGIApp, counter: RequestCounter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with request.state below, where the key is left
        await self.app(scope, receive, send)
        request = Request(scope)
        tenant = request_tenant(request)
        if tenant is not None and self.counter.add(tenant):
            await run_in_threadpool(flush_now, scope["app"])


def install(app: FastAPI, counter: RequestCounter) -> None:
    app.state.usage_counter = counter
    app.add_middleware(_CountRequests, counter=counter)
