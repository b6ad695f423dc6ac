"""A bridge's processing wiring: its ingest pipeline (decoders, LoRaWAN keys, meter semantics,
the store), as a thread of ``releve run`` and of shared-subscription workers, or as ``releve
bridge``'s processor process. An intake-only bridge (``releve.bridge.start_intake``) does not
import it.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from gateway_bridge.counters import tune_gc
from gateway_bridge.memory import limit_arenas
from gateway_bridge.processor import ArchiveProcessor
from ingest.flushing import FlushPolicy
from ingest.lorawan_crypto import KeyWrapper
from ingest.pipeline import Ingestor
from ingest.plausibility import TimeBounds
from kernel.settings import Settings
from releve.bridge import BridgeState


def make_ingestor(settings: Settings, state: BridgeState) -> Ingestor:
    """The ingest pipeline of a bridge worker or processor, as the settings say."""
    shared = bool(settings.mqtt_shared_group)
    if shared:
        state.store.share_writes()
    return Ingestor(
        state.registry,
        state.archive,
        state.store,
        keys=key_wrapper(settings),
        shared=shared,
        times=time_bounds(settings),
        flush=FlushPolicy(
            every_s=settings.bridge_rollup_flush_s,
            max_points=settings.bridge_rollup_max_points,
            max_uplinks=settings.bridge_rollup_max_points,
            # Shared workers fold nothing in memory: no day or month of theirs is held longer.
            periods_every_s=0.0 if shared else settings.bridge_day_flush_s,
            # A quarter of the points that make a flush due: the backlog's memory (HeldRollups).
            closed_after=settings.bridge_rollup_max_points // 4,
        ),
    )


def run_processor(
    settings: Settings, state: BridgeState, stop: threading.Event, wake_fd: int | None = None
) -> None:
    """The processor process of ``releve bridge``: the archive's pending uplinks, until ``stop``;
    ``wake_fd``: the pipe the bridge writes to after each batch it archives."""
    tune_gc()
    limit_arenas()
    processor = ArchiveProcessor(
        make_ingestor(settings, state), batch_size=settings.bridge_batch_size, wake_fd=wake_fd
    )
    processor.run(stop)


def time_bounds(settings: Settings) -> TimeBounds:
    """Which reading times are plausible (``RELEVE_READING_EARLIEST``, ``RELEVE_READING_MAX_FUTURE_S``)."""
    return TimeBounds(settings.reading_earliest, timedelta(seconds=settings.reading_max_future_s))


def key_wrapper(settings: Settings) -> KeyWrapper | None:
    """The AppSKey wrapper of the master key, if one is configured."""
    return KeyWrapper.from_setting(settings.master_key.get_secret_value() if settings.master_key else None)
