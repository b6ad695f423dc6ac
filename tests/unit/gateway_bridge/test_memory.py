"""What a bridge process gives back to the system (``gateway_bridge.memory``)."""

from __future__ import annotations

import ctypes

from gateway_bridge.memory import Trimmer, limit_arenas, trim


def test_the_trimmer_gives_back_at_most_once_a_period() -> None:
    now = [0.0]
    trims: list[float] = []
    trimmer = Trimmer(10.0, clock=lambda: now[0], give_back=lambda: trims.append(now[0]))
    for t in (0.0, 5.0, 9.9, 10.0, 12.0, 19.9, 20.5, 45.0):
        now[0] = t
        trimmer()
    assert trims == [10.0, 20.5, 45.0]


def test_a_freed_heap_goes_back_to_the_system() -> None:
    """glibc keeps what was freed below its top of heap; ``trim`` returns it (Linux)."""

    def resident() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1])

    limit_arenas()  # no effect on what this process allocated already; must not fail
    blocks = [ctypes.create_string_buffer(4000) for _ in range(20_000)]  # 80 MB from malloc
    keep = blocks[-1]  # the top of the heap stays in use: freeing the rest returns nothing by itself
    del blocks
    before = resident()
    trim()
    assert keep.raw[:1] == b"\0"
    assert resident() < before - 10_000  # pages (4 KB): more than 40 MB given back
