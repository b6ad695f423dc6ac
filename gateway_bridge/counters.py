"""A bridge process's counters and garbage-collector settings, shared by the intake (``service``)
and the processor process (``processor``), which loads no envelope parser through them."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.pipeline import BatchReport


# CPython's cyclic garbage collector scans the young objects every 700 allocations, and all of
# them once enough survive: the bridge allocates a few objects per reading and holds tens of
# thousands (open hours, held rollups, meter points), almost none of them in cycles. With the
# defaults, collections were a fifth of the pipeline's time (bench.pipeline, 2,000 devices:
# 3,705 uplinks/s, 4,537 with these thresholds).
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Collect less often in a bridge process; what exists at start (modules, settings) is
    never scanned again (``gc.freeze``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@dataclass
class Counters:
    """What the bridge has seen since it started."""

    messages: int = 0
    uplinks: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    ignored: int = 0
    lns_logs: int = 0
    decoded: int = 0
    readings: int = 0
    decode_failures: int = 0
    unknown_device: int = 0
    archive_failures: int = 0
    store_failures: int = 0

    def add(self, report: BatchReport) -> None:
        """What one processed batch came to."""
        self.decoded += report.decoded
        self.readings += report.readings
        self.decode_failures += report.failed
        self.unknown_device += report.unknown_device
