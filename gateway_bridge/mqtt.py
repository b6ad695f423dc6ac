"""The one module that imports paho: an MQTT v5 consumer with persistent session and manual acks.

Messages are handed on through a bounded queue and acknowledged only when the caller says so
(after the raw uplink is durably archived). The broker never has more unacknowledged messages
in flight to us than ``receive_maximum`` (MQTT v5 Receive Maximum), so memory stays bounded and
a slow store makes the broker hold the backlog, not the bridge. The session persists (fixed
client id, clean start off, long session expiry): messages published while the bridge is down
are kept by the broker and delivered when it comes back.
"""

from __future__ import annotations

import logging
import queue
import random
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gateway_bridge.errors import BrokerError
from kernel.settings import MqttTarget

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Message:
    """A received message; ``generation`` ties its ack to the connection that delivered it.

    A PUBACK must go out on the connection that delivered the message, never on a later one: the
    broker re-sends an unacknowledged message after a reconnect, and two PUBACKs for one delivery
    ack a second message once the broker has reused the packet id (Mosquitto 2.0.11 even has
    several messages in flight under one id when it exceeds Receive Maximum on a queued backlog).
    """

    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int


class MqttConsumer:
    """Subscribes with QoS 1 and hands messages to a bounded queue; acks on request."""

    def __init__(
        self,
        target: MqttTarget,
        *,
        client_id: str,
        topics: Sequence[str],
        receive_maximum: int = 1000,
        ca_file: str | None = None,
        protocol: str = "5",
        first_retry_s: tuple[int, int] = (1, 4),
    ) -> None:
        if protocol not in ("5", "3.1.1"):
            raise ValueError(f"MQTT protocol must be 5 or 3.1.1, got {protocol!r}")
        self._v5 = protocol == "5"
        self._target = target
        self._topics = list(topics)
        self.messages: queue.Queue[Message] = queue.Queue(maxsize=receive_maximum * 2)
        self._generation = 0
        # Held while acks are queued to paho and while the generation moves on (connection lost,
        # new connection about to be made), so no ack of an older connection reaches a newer one.
        self._lock = threading.Lock()
        self._first_retry_s = first_retry_s
        self.connected = threading.Event()
        # MQTT 3.1.1 brokers get the same guarantees from clean_session=False (no session expiry,
        # and the broker's own in-flight window instead of Receive Maximum).
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv5 if self._v5 else paho.MQTTv311,
            clean_session=None if self._v5 else False,
            manual_ack=True,
        )
        if target.username:
            password = target.password.get_secret_value() if target.password else None
            client.username_pw_set(target.username, password)
        if target.tls:
            context = ssl.create_default_context(cafile=ca_file)
            client.tls_set_context(context)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_inflight_messages_set(receive_maximum)
        client.on_connect = self._on_connect
        client.on_pre_connect = self._on_pre_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        self._receive_maximum = receive_maximum
        self._stopping = False

    def start(self) -> None:
        """Connect (retrying in the background if the broker is not there yet) and start the loop."""
        try:
            if self._v5:
                props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
                props.SessionExpiryInterval = SESSION_EXPIRY_S
                props.ReceiveMaximum = self._receive_maximum
                self._client.connect_async(
                    self._target.host, self._target.port, keepalive=30, clean_start=False, properties=props
                )
            else:
                self._client.connect_async(self._target.host, self._target.port, keepalive=30)
        except (OSError, ValueError) as exc:
            raise BrokerError(f"cannot connect to {self._target.host}:{self._target.port}: {exc}") from exc
        self._client.loop_start()

    def stop(self) -> None:
        self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()

    def ack(self, messages: Sequence[Message]) -> int:
        """Acknowledge messages of the current connection; returns how many were acked.

        Messages of an earlier connection are not acked: the broker re-delivers them after the
        reconnect, and the archive drops the duplicate. The lock is held while the acks are queued:
        paho's thread moves the generation on (under the same lock) when the connection is lost and
        before it opens the next one, and drops what was queued for the old one.
        """
        acked = 0
        with self._lock:
            for message in messages:
                if message.qos > 0 and message.generation == self._generation:
                    self._client.ack(message.mid, message.qos)
                    acked += 1
        return acked

    # -- paho callbacks: they only hand on -------------------------------------------------------
    def _on_connect(
        self, client: paho.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any = None
    ) -> None:
        if reason.is_failure:
            log.warning("broker refused the connection: %s", reason)
            return
        client.subscribe([(topic, 1) for topic in self._topics])
        self.connected.set()
        log.info("connected to broker %s:%s", self._target.host, self._target.port)

    def _on_pre_connect(self, _client: paho.Client, _userdata: Any) -> None:
        # Before the new socket exists: acks of the old connection can no longer follow its CONNECT.
        self._next_generation()

    def _next_generation(self) -> None:
        with self._lock:
            self._generation += 1

    def _on_disconnect(
        self, _client: paho.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any = None
    ) -> None:
        self._next_generation()  # the acks queued so far are dropped by paho's reconnect
        if self.connected.is_set() and not self._stopping:
            log.warning("broker connection lost (%s); reconnecting", reason)
            # Exponential backoff from a random first delay: a fleet of bridges that lost the
            # broker together does not reconnect in lockstep.
            self._client.reconnect_delay_set(min_delay=random.randint(*self._first_retry_s), max_delay=30)
        self.connected.clear()

    def _on_message(self, _client: paho.Client, _userdata: Any, msg: paho.MQTTMessage) -> None:
        with self._lock:
            generation = self._generation
        # Bounded by Receive Maximum: the broker stops sending before this queue is full.
        self.messages.put(Message(msg.topic, bytes(msg.payload), msg.mid, msg.qos, generation))


class MqttPublisher:
    """A QoS 1 publisher (the simulator's), waiting for each chunk to be acknowledged."""

    def __init__(
        self, target: MqttTarget, *, client_id: str, ca_file: str | None = None, protocol: str = "5"
    ) -> None:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv5 if protocol == "5" else paho.MQTTv311,
        )
        if target.username:
            password = target.password.get_secret_value() if target.password else None
            client.username_pw_set(target.username, password)
        if target.tls:
            client.tls_set_context(ssl.create_default_context(cafile=ca_file))
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        self._client = client
        self._target = target

    def connect(self, timeout: float = 10.0) -> None:
        try:
            self._client.connect(self._target.host, self._target.port, keepalive=30)
        except OSError as exc:
            raise BrokerError(f"cannot connect to {self._target.host}:{self._target.port}: {exc}") from exc
        self._client.loop_start()

    def publish_many(
        self, items: Sequence[tuple[str, bytes]], *, qos: int = 1, timeout: float = 60.0
    ) -> None:
        """Publish and wait until the broker acknowledged every message."""
        infos = [self._client.publish(topic, payload, qos=qos) for topic, payload in items]
        for info in infos:
            info.wait_for_publish(timeout)
            if not info.is_published():
                raise BrokerError(f"broker did not acknowledge message {info.mid} within {timeout}s")

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
