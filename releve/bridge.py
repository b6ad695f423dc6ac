"""A bridge process's wiring: its MQTT consumers and intake threads, its ingest pipeline, its
processor process; and what it opens (the registry, the archive, the store: ``open_bridge_state``).

Nothing here imports the API or the domain's services: a bridge process loads what it uses
(about 20 MB less per process than ``releve.services``' whole application state).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from gateway_bridge.mqtt import MqttConsumer
from gateway_bridge.processor import ArchiveProcessor
from gateway_bridge.service import Bridge, tune_gc
from ingest.archive import Archive
from ingest.flushing import FlushPolicy
from ingest.lorawan_crypto import KeyWrapper
from ingest.pipeline import Ingestor
from ingest.plausibility import TimeBounds
from kernel.settings import MqttTarget, Settings
from kernel.types import Lns
from registry import Registry, open_registry
from store import Store
from store.open import open_store


class BridgeState(Protocol):
    """What a bridge works with (``releve.services``' ``AppState`` has it too)."""

    registry: Registry
    archive: Archive
    store: Store


@dataclass
class Stores:
    """A bridge process's registry, archive and store (``open_bridge_state``)."""

    registry: Registry
    archive: Archive
    store: Store


def open_bridge_state(settings: Settings) -> Stores:
    """Open the registry (migrated) and the store; ``close_bridge_state`` closes them."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    registry = open_registry(settings.effective_registry_url)
    try:
        store = open_store(
            settings.effective_store_url,
            raw_retention_days=settings.raw_retention_days,
            timezone=settings.timezone,
        )
    except Exception:
        registry.close()
        raise
    return Stores(registry, Archive(registry.engine), store)


def close_bridge_state(state: BridgeState) -> None:
    state.store.close()
    state.registry.close()


def start_bridge(
    settings: Settings,
    state: BridgeState,
    stop: threading.Event,
    *,
    process: bool = True,
    on_archived: Callable[[], None] | None = None,
) -> tuple[list[MqttConsumer], list[threading.Thread]]:
    """Start one bridge worker per configured source, each in a thread; ``stop`` ends them.

    Sources may be different network servers on different brokers (a town's own and an
    operator's): their uplinks share one archive, whose dedup key drops the copies. ``process``
    False: the workers archive and acknowledge only, and a processor process (``run_processor``)
    processes what they archive (``on_archived`` tells it there is more).
    """
    tune_gc()
    consumers: list[MqttConsumer] = []
    threads: list[threading.Thread] = []
    for source in settings.sources:
        url = source.mqtt_url or settings.mqtt_url
        if url is None:
            raise ValueError(
                f"source {source.name!r}: no broker (set RELEVE_MQTT_URL or the source's mqtt_url)"
            )
        topics = source.topics
        if settings.mqtt_shared_group:
            topics = [f"$share/{settings.mqtt_shared_group}/{t}" for t in topics]
        client_id = (
            settings.mqtt_client_id
            if len(settings.sources) == 1
            else f"{settings.mqtt_client_id}-{source.name}"
        )
        consumer = MqttConsumer(
            MqttTarget.parse(url),
            client_id=client_id,
            topics=topics,
            receive_maximum=settings.bridge_queue_size,
            ca_file=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None,
            protocol=settings.mqtt_protocol,
        )
        bridge = Bridge(
            consumer,
            make_ingestor(settings, state),
            lns=None if source.lns == "auto" else Lns(source.lns),
            source_name=source.name,
            batch_size=settings.bridge_batch_size,
            batch_linger_s=settings.bridge_linger_s,
            process=process,
            on_archived=on_archived,
        )
        consumer.start()
        thread = threading.Thread(target=bridge.run, args=(stop,), name=f"bridge-{source.name}", daemon=True)
        thread.start()
        consumers.append(consumer)
        threads.append(thread)
    return consumers, threads


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
        ),
    )


def separate_processor(settings: Settings) -> bool:
    """Whether ``releve bridge`` processes in a process of its own (``RELEVE_BRIDGE_PROCESSOR``):
    not beside other workers on a shared subscription, whose archive is common to them all."""
    return settings.bridge_processor == "process" and not settings.mqtt_shared_group


def run_processor(
    settings: Settings, state: BridgeState, stop: threading.Event, wake_fd: int | None = None
) -> None:
    """The processor process of ``releve bridge``: the archive's pending uplinks, until ``stop``;
    ``wake_fd``: the pipe the bridge writes to after each batch it archives."""
    tune_gc()
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


def mqtt_target_or_exit(settings: Settings) -> MqttTarget:
    target = settings.mqtt
    if target is None:
        raise SystemExit("RELEVE_MQTT_URL is required for this command (e.g. mqtt://127.0.0.1:1883)")
    return target
