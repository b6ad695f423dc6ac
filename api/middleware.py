"""The API's own middleware, as plain ASGI (Starlette's ``@app.middleware("http")`` costs a task
and a stream per request: a fifth of a small request's time under load).

- ``BodyLimit``: a declared body larger than ``MAX_BODY_BYTES`` (or a malformed length) gets 413.
- ``ForgetOnWrite``: a write request (POST, PUT, PATCH, DELETE) empties the registry read caches
  of this process before and after it runs (api.read_cache).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import PROBLEM

MAX_BODY_BYTES = 6 * 1024 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length":
                    if not value.isdigit() or int(value) > self.max_bytes:
                        await _too_large(send)
                        return
                    break
        await self.app(scope, receive, send)


async def _too_large(send: Send) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": "Too large", "status": 413, "detail": "request body too large"}
    ).encode()
    headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ForgetOnWrite:
    """Calls ``forget`` around every write request."""

    def __init__(self, app: ASGIApp, forget: Callable[[Scope], None]) -> None:
        self.app = app
        self.forget = forget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        self.forget(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            self.forget(scope)
