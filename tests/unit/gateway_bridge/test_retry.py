"""When the bridge tries the store again: delays that double up to 30 s, cut short once the store
answers its ping after not answering, and started again from the first once it is back."""

from __future__ import annotations

import threading
import time

from gateway_bridge.retry import StoreRetry


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Pings:
    """A store's answers to pings, in order (the last one repeats)."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.count = 0

    def __call__(self) -> bool:
        self.count += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_the_delays_double_up_to_thirty_seconds_while_pings_go_unanswered() -> None:
    clock, pings = Clock(), Pings(False)
    retry = StoreRetry(pings, clock=clock)
    assert retry.due()  # nothing failed: no wait, no ping
    assert pings.count == 0
    waits: list[float] = []
    for _ in range(7):
        assert retry.failed() == (not waits)  # only the outage's first failure is news
        start = clock.now
        while not retry.due():
            clock.now += 0.25
        waits.append(clock.now - start)
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert pings.count < sum(waits) + 7  # at most one ping a second
    assert retry.recovered() == clock.now - 1000.0
    assert retry.recovered() is None
    retry.failed()
    assert retry.next_try == clock.now + 1.0  # the delays start again from the first


def test_a_store_that_answers_again_is_tried_at_once_and_the_delays_start_again() -> None:
    clock, pings = Clock(), Pings(False, False, True)
    retry = StoreRetry(pings, clock=clock)
    for _ in range(6):
        retry.failed()
    assert retry.next_try - clock.now == 30.0
    start = clock.now
    while not retry.due():
        clock.now += 0.25
    assert clock.now - start == 2.0  # pinged at once, after 1 s, and answered after 2 s
    assert pings.count == 3
    retry.failed()  # it answered pings before it took writes (an InfluxDB starting)
    assert retry.next_try - clock.now == 1.0


def test_a_store_that_answers_pings_while_refusing_writes_is_waited_out() -> None:
    clock, pings = Clock(), Pings(True)
    retry = StoreRetry(pings, clock=clock)
    for _ in range(3):
        retry.failed()
    start = clock.now
    while not retry.due():
        clock.now += 0.5
    assert clock.now - start == 4.0
    assert pings.count == 4


def test_waiting_ends_at_once_when_told_to_stop_and_early_when_the_store_is_back() -> None:
    pings = Pings(False, True)
    retry = StoreRetry(pings, probe_s=0.1)
    for _ in range(6):
        retry.failed()
    stop = threading.Event()
    start = time.monotonic()
    retry.wait(stop)
    assert time.monotonic() - start < 1.0  # a 30 s wait cut at the second ping
    retry.failed()
    retry.failed()
    stop.set()
    start = time.monotonic()
    retry.wait(stop)
    assert time.monotonic() - start < 0.5


class Waits(threading.Event):
    """A stop event that records how long it was waited on, without waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.waited: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.append(timeout or 0.0)
        return self.is_set()


def test_a_database_failure_waits_out_the_delay_without_pinging_the_store() -> None:
    clock, pings = Clock(), Pings(True)
    retry = StoreRetry(pings, clock=clock)
    stop = Waits()
    for expected in (1.0, 2.0, 4.0):
        retry.failed()
        retry.wait_out(stop)
        assert stop.waited[-1] == expected
        clock.now += expected
    retry.wait_out(stop)  # the wait is over: no wait at all
    assert stop.waited[-1] == 0.0
    assert pings.count == 0
