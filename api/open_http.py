"""Answers of the public open-data endpoints: cacheable by anyone, cheap to poll.

Each carries a strong ``ETag`` (a hash of its bytes) and ``Cache-Control: public, no-cache``: a
harvester, a re-user's script or a shared cache keeps the file and asks again with
``If-None-Match``, and an unchanged file costs an empty 304. Nothing here depends on a key, so
the answers are the same for everyone (``api.middleware.OpenAccess`` adds CORS and HEAD).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Header, Request, Response

from api.deps import AppState
from api.http_cache import cached_body, matches
from api.problems import Problem
from registry import Tenant

CACHE_CONTROL = "public, no-cache"
IfNoneMatch = Annotated[str | None, Header(description="an ETag the client holds: 304 if unchanged")]
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the client holds these bytes (`If-None-Match`)"}
}


def public_response(
    body: bytes, media_type: str, if_none_match: str | None, filename: str | None = None
) -> Response:
    """``body`` with its validator, or 304 when the client already holds it."""
    etag = cached_body(body).etag
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    if filename is not None:
        safe = re.sub(r"[^A-Za-z0-9._-]", "-", filename)
        headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return Response(body, media_type=media_type, headers=headers)


def root_url(state: AppState, request: Request) -> str:
    """Where re-users reach releve: ``RELEVE_PUBLIC_URL``, else the address of this request."""
    return (state.settings.public_url or str(request.base_url)).rstrip("/")


def find_tenant(state: AppState, slug: str) -> Tenant:
    for tenant in state.registry.list_tenants():
        if tenant.slug == slug:
            return tenant
    raise Problem(404, "Not found", f"no publisher {slug!r}")
