"""The API's own middleware, as plain ASGI (Starlette's ``@app.middleware("http")`` costs a task
and a stream per request: a fifth of a small request's time under load).

- ``BodyLimit``: a declared body larger than ``MAX_BODY_BYTES`` (or a malformed length) gets 413.
- ``ForgetOnWrite``: a write request (POST, PUT, PATCH, DELETE) empties the registry read caches
  of this process before and after it runs (api.read_cache).
- ``OpenAccess``: the public open data answers any origin (CORS, for a re-user's web page) and
  ``HEAD`` (a harvester's link check).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


OPEN_PREFIX = "/api/v1/open/"
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    # what a script may read of an answer besides the simple headers: its validators, its name
    (b"access-control-expose-headers", b"ETag, Content-Disposition, Content-Length"),
]
PREFLIGHT_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
    (b"access-control-allow-headers", b"If-None-Match, If-Modified-Since, Cache-Control"),
    (b"access-control-max-age", b"86400"),
    (b"content-length", b"0"),
]


class OpenAccess:
    """Under ``/api/v1/open/``: every answer (errors too) allows any origin, a CORS preflight is
    answered (GET and HEAD only: the open data is read-only, without credentials), and ``HEAD``
    is answered as ``GET`` without its body. The rest of the API is untouched."""

    def __init__(self, app: ASGIApp, prefix: str = OPEN_PREFIX) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": PREFLIGHT_HEADERS})
            await send({"type": "http.response.body", "body": b""})
            return
        head = method == "HEAD"
        if head:
            scope = dict(scope, method="GET")

        async def send_open(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if not h[0].startswith(b"access-control-")]
                message = dict(message, headers=[*headers, *CORS_HEADERS])
            elif head and message["type"] == "http.response.body":
                message = dict(message, body=b"")
            await send(message)

        await self.app(scope, receive, send_open)
