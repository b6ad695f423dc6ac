"""HTTP caching of consumption series: a strong ETag, 304 on ``If-None-Match``, and a short
per-process cache of the documents themselves.

- Every series carries ``ETag`` (a hash of its bytes) and ``Cache-Control: private, no-cache``:
  a browser or client keeps it but asks again each time, so the key is checked on every request
  (a revoked key is refused, never served from a client's cache) and an unchanged series costs
  an empty 304 instead of the document.
- Each API process keeps the documents it wrote for ``Settings.api_cache_ttl_s`` seconds (10 by
  default; 0 turns it off), keyed by the request (site, quantity, window, start, end): **a
  series is at most that old**. Readings arrive every 15 minutes from the bridge, another
  process that cannot tell the API: a new reading shows up within the TTL. A write request to
  this process (a device moved, erased or imported) empties the cache at once, and a series read
  during that write is not stored (``TtlCache.generation``). The key and the site's tenant are
  checked on every request before the cache is looked at: the cache is never a way around them.
- ``X-Cache: hit`` or ``miss`` says which, for load tests and operators.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Response

from api.read_cache import TtlCache

CONSUMPTION_TTL_S = 10.0
CACHE_CONTROL = "private, no-cache"
# Responses differ by key (a key of another tenant gets 404): caches must not share them.
VARY = "Authorization, X-API-Key"


@dataclass(frozen=True, slots=True)
class CachedBody:
    body: bytes
    etag: str


def cached_body(body: bytes) -> CachedBody:
    return CachedBody(body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def json_response(found: CachedBody, if_none_match: str | None, hit: bool) -> Response:
    """The series, or 304 when the client already holds these bytes."""
    headers = {
        "ETag": found.etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": VARY,
        "X-Cache": "hit" if hit else "miss",
    }
    if matches(if_none_match, found.etag):
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type="application/json", headers=headers)


def result_cache(ttl_s: float, clock: Callable[[], float] = time.monotonic) -> TtlCache[CachedBody] | None:
    """The per-process cache of series, or None when ``ttl_s`` is 0."""
    return TtlCache(ttl_s, max_entries=2_000, clock=clock) if ttl_s > 0 else None
