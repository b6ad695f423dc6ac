"""A bridge process's wiring: its MQTT consumers and intake threads; and what it opens (the
registry, the archive, the store: ``open_bridge_state``; an intake-only bridge, whose processor
is a process of its own, opens no store: ``open_intake_state``). Its processing is wired in
``releve.processing``.

Nothing here imports the API or the domain's services: a bridge process loads what it uses
(about 20 MB less per process than ``releve.services``' whole application state). An
intake-only bridge does not import the decoders, the LoRaWAN cryptography or the store's client
either (about 11 MB less).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from gateway_bridge.counters import tune_gc
from gateway_bridge.memory import limit_arenas
from ingest.archive import Archive
from ingest.intake import Intake
from kernel.settings import MqttTarget, Settings
from kernel.types import Lns
from registry import Registry, open_registry
from store import Store
from store.open import open_store

if TYPE_CHECKING:  # the processor process (``releve.cli.processor_main``) loads no MQTT client,
    # nor the envelope parsers (``gateway_bridge.service``)
    from gateway_bridge.mqtt import MqttConsumer
    from ingest.pipeline import Ingestor


class IntakeState(Protocol):
    """What an intake-only bridge works with (``open_intake_state``)."""

    registry: Registry
    archive: Archive


class BridgeState(IntakeState, Protocol):
    """What a bridge works with (``releve.services``' ``AppState`` has it too)."""

    store: Store


@dataclass
class Intakes:
    """An intake-only bridge process's registry and archive (``open_intake_state``)."""

    registry: Registry
    archive: Archive


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


def open_intake_state(settings: Settings) -> Intakes:
    """Open the registry (migrated), for a bridge whose processor is a process of its own: the
    intake opens no store (it archives while InfluxDB is down, at start too)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    registry = open_registry(settings.effective_registry_url)
    return Intakes(registry, Archive(registry.engine))


def close_bridge_state(state: IntakeState) -> None:
    if (store := getattr(state, "store", None)) is not None:
        store.close()
    state.registry.close()


def start_bridge(
    settings: Settings, state: BridgeState, stop: threading.Event
) -> tuple[list[MqttConsumer], list[threading.Thread]]:
    """Start one bridge worker per configured source, each in a thread; ``stop`` ends them.

    Sources may be different network servers on different brokers (a town's own and an
    operator's): their uplinks share one archive, whose dedup key drops the copies.
    """
    from releve.processing import make_ingestor  # the decoders, the keys, the store's client

    return _start(settings, stop, lambda: make_ingestor(settings, state))


def start_intake(
    settings: Settings, state: IntakeState, stop: threading.Event, on_archived: Callable[[], None]
) -> tuple[list[MqttConsumer], list[threading.Thread]]:
    """As ``start_bridge``, but the workers archive and acknowledge only: a processor process
    (``releve.processing.run_processor``) processes what they archive (``on_archived`` tells it
    there is more)."""
    return _start(settings, stop, lambda: Intake(state.archive), on_archived)


def _start(
    settings: Settings,
    stop: threading.Event,
    pipeline: Callable[[], Ingestor | Intake],
    on_archived: Callable[[], None] | None = None,
) -> tuple[list[MqttConsumer], list[threading.Thread]]:
    from gateway_bridge.mqtt import MqttConsumer
    from gateway_bridge.service import Bridge

    tune_gc()
    limit_arenas()
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
            pipeline(),
            lns=None if source.lns == "auto" else Lns(source.lns),
            source_name=source.name,
            batch_size=settings.bridge_batch_size,
            batch_linger_s=settings.bridge_linger_s,
            on_archived=on_archived,
        )
        consumer.start()
        thread = threading.Thread(target=bridge.run, args=(stop,), name=f"bridge-{source.name}", daemon=True)
        thread.start()
        consumers.append(consumer)
        threads.append(thread)
    return consumers, threads


def separate_processor(settings: Settings) -> bool:
    """Whether ``releve bridge`` processes in a process of its own (``RELEVE_BRIDGE_PROCESSOR``):
    not beside other workers on a shared subscription, whose archive is common to them all."""
    return settings.bridge_processor == "process" and not settings.mqtt_shared_group


def mqtt_target_or_exit(settings: Settings) -> MqttTarget:
    target = settings.mqtt
    if target is None:
        raise SystemExit("RELEVE_MQTT_URL is required for this command (e.g. mqtt://127.0.0.1:1883)")
    return target
