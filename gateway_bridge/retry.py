"""When a bridge tries the store again after a write failed.

The delays double from 1 s up to 30 s: a store that refuses writes is not hammered. Meanwhile
the store is pinged (``Store.reachable``) every second: once it answers after not answering (an
InfluxDB restarted, a network back) the next try is at once, not at the end of a wait of up to
30 s, and the delays start again from the first (a restarted InfluxDB may answer pings a moment
before it takes writes: its next try is then 2 s later, not 30). A store that answers pings all
along while it refuses writes is waited out. Both the processor process and the thread-mode
bridge (``releve run``, shared-subscription workers) use it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

FIRST_S = 1.0
MOST_S = 30.0
PROBE_S = 1.0  # while the store is down, how often it is pinged


class StoreRetry:
    """The next try's time after store failures, moved earlier when the store answers again."""

    def __init__(
        self,
        reachable: Callable[[], bool],
        *,
        clock: Callable[[], float] = time.monotonic,
        probe_s: float = PROBE_S,
    ) -> None:
        self._reachable = reachable
        self._clock = clock
        self.probe_s = probe_s
        self.delay = FIRST_S  # the wait after the next failure
        self.next_try = 0.0
        self.down_since: float | None = None
        self._unanswered = False  # a ping went unanswered since the last failure
        self._probed = -probe_s

    def failed(self) -> bool:
        """A try failed: the next one waits ``delay``, and the delay after it doubles (up to 30 s).
        True at the first failure of an outage (the caller logs it once)."""
        now = self._clock()
        first = self.down_since is None
        if first:
            self.down_since = now
        self.next_try = now + self.delay
        self.delay = min(self.delay * 2, MOST_S)
        self._unanswered = False
        return first

    def due(self) -> bool:
        """Whether to try now: the wait is over, or the store answers a ping after one went
        unanswered (it is pinged at most every ``probe_s``; the delays then start again)."""
        now = self._clock()
        if now >= self.next_try:
            return True
        if now - self._probed < self.probe_s:
            return False
        self._probed = now
        if not self._reachable():
            self._unanswered = True
            return False
        if self._unanswered:
            self.delay, self.next_try = FIRST_S, now
            return True
        return False

    def wait(self, stop: threading.Event) -> None:
        """Block until ``due``, or until ``stop`` is set."""
        while not self.due():
            left = self.next_try - self._clock()
            if stop.wait(max(0.0, min(self.probe_s, left))):
                return

    def wait_out(self, stop: threading.Event) -> None:
        """Block until the wait after the last failure is over, or until ``stop`` is set, without
        pinging the store (what failed was the registry's database, not the store)."""
        stop.wait(max(0.0, self.next_try - self._clock()))

    def recovered(self) -> float | None:
        """A try succeeded: how long the store was down (None: it was not); the delays start again."""
        if self.down_since is None:
            return None
        down = self._clock() - self.down_since
        self.down_since, self.delay, self.next_try = None, FIRST_S, 0.0
        return down
