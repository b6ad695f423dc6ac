"""What a long-running bridge process gives back to the system (glibc's allocator, Linux).

Two threads that allocate (the processor's archive reader and its main loop, the intake's MQTT
and envelope threads) each get an allocator arena of their own, and memory freed in one is kept
there. A catch-up leaves freed memory behind that the allocator keeps, though nothing uses it
(``malloc_trim`` gives it back). Elsewhere than glibc, both are no-ops.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable

ARENAS = 2  # glibc's default is 8 a core
_M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)
TRIM_EVERY_S = 10.0


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (glibc has both)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def limit_arenas(arenas: int = ARENAS) -> None:
    """At most ``arenas`` allocator arenas for this process's threads (call before starting them)."""
    if _LIBC is not None:
        _LIBC.mallopt(_M_ARENA_MAX, arenas)


def trim() -> None:
    """Give the allocator's free memory back to the system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class Trimmer:
    """``trim`` at most every ``every_s`` (it walks the heap: a few milliseconds)."""

    def __init__(
        self,
        every_s: float = TRIM_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        give_back: Callable[[], None] = trim,
    ) -> None:
        self.every_s = every_s
        self._clock = clock
        self._give_back = give_back
        self._last = clock()

    def __call__(self) -> None:
        now = self._clock()
        if now - self._last >= self.every_s:
            self._last = now
            self._give_back()
