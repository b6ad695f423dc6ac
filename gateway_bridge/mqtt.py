"""The one module that imports MQTT libraries: a consumer with persistent session and manual acks.

Messages are handed on through a bounded queue and acknowledged only when the caller says so
(after the raw uplink is durably archived). The broker never has more unacknowledged messages
in flight to us than ``receive_maximum`` (MQTT v5 Receive Maximum), so memory stays bounded and
a slow store makes the broker hold the backlog, not the bridge. The session persists (fixed
client id, clean start off, long session expiry): messages published while the bridge is down
are kept by the broker and delivered when it comes back.

MQTT v5 goes through gmqtt, on an asyncio loop in a thread of the consumer's own: draining a
QoS 1 backlog, a client that only counts and acknowledges took 19,000-24,000 messages/s with
gmqtt 0.8 and 5,600-6,200 with paho-mqtt 2.2, the bridge's first wall. paho keeps MQTT 3.1.1
(brokers without v5, the demo's amqtt) and the simulator's publisher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import random
import ssl
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import gmqtt
from gmqtt.mqtt.constants import MQTTCommands
from gmqtt.mqtt.package import CommandWithMidPacket

if TYPE_CHECKING:  # imported where a 3.1.1 consumer or a publisher is made: the bridge loads gmqtt only
    import paho.mqtt.client as paho

from gateway_bridge.errors import BrokerError
from gateway_bridge.pacing import pace
from kernel.settings import MqttTarget

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600
KEEPALIVE_S = 30
# A broker (or a proxy) that takes the TCP connection and sends no CONNACK is tried again.
CONNECT_TIMEOUT_S = 30.0
MAX_RETRY_S = 30.0


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


class _Transport(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def ack(self, messages: Sequence[Message]) -> int: ...


class MqttConsumer:
    """Subscribes with QoS 1 and hands messages to a bounded queue; acks on request.

    ``connected`` is set while a connection is up and its subscription acknowledged (its SUBACK):
    from then on the broker keeps for it what is published.
    """

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
        # Twice the window: after a reconnect, the old connection's messages may still wait here
        # while the new one re-delivers them.
        self.messages: queue.Queue[Message] = queue.Queue(maxsize=receive_maximum * 2)
        self.connected = threading.Event()
        session = _Session(target, client_id, list(topics), receive_maximum, ca_file, first_retry_s)
        self._transport: _Transport = (
            _GmqttTransport(session, self.messages, self.connected)
            if protocol == "5"
            else _PahoTransport(session, self.messages, self.connected)
        )

    def start(self) -> None:
        """Connect (retrying in the background if the broker is not there yet) and start the loop."""
        self._transport.start()

    def stop(self) -> None:
        """Send the acks asked for so far, disconnect, end the loop."""
        self._transport.stop()

    def ack(self, messages: Sequence[Message]) -> int:
        """Acknowledge messages of the current connection; returns how many were handed to it.

        Messages of an earlier connection are not acked: the broker re-delivers them after the
        reconnect, and the archive drops the duplicate.
        """
        return self._transport.ack(messages)


@dataclass(frozen=True, slots=True)
class _Session:
    target: MqttTarget
    client_id: str
    topics: list[str]
    receive_maximum: int
    ca_file: str | None
    first_retry_s: tuple[int, int]

    def tls(self) -> ssl.SSLContext | None:
        if not self.target.tls:
            return None
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except OSError as exc:  # ssl.SSLError is one
            raise BrokerError(f"cannot read the CA file {self.ca_file}: {exc}") from exc

    def subscribed(self, failed: Sequence[bool], connected: threading.Event) -> None:
        """A connection's SUBACK (``failed``: per topic): from now on the broker keeps its messages."""
        if refused := [topic for topic, no in zip(self.topics, failed, strict=False) if no]:
            log.warning("broker refused the subscription to %s", ", ".join(refused))
        connected.set()


def _retry_delays(first_retry_s: tuple[int, int]) -> Iterator[float]:
    """Exponential backoff from a random first delay: a fleet of bridges that lost the broker
    together does not reconnect in lockstep."""
    delay = float(random.randint(*first_retry_s))
    while True:
        yield delay
        delay = min(max(delay * 2, 0.5), MAX_RETRY_S)


class _GmqttClient(gmqtt.Client):  # type: ignore[misc]  # gmqtt has no type hints
    """gmqtt's client with its own reconnection off: the consumer reconnects, with its backoff.

    gmqtt would retry at a fixed delay, and on a connection of its choosing before the
    consumer knows the old one is gone."""

    async def reconnect(self, delay: bool = False) -> None:
        return None


class _GmqttTransport:
    """MQTT v5 through gmqtt, its asyncio loop in one daemon thread.

    Everything that touches the connection runs on that loop: ``ack`` hands the packet ids to
    it (one call per batch), and it writes their PUBACKs only if the connection that delivered
    them is still the current one. The generation moves on when a message arrives on another
    connection than the last one, and when a connection is lost.
    """

    def __init__(self, session: _Session, messages: queue.Queue[Message], connected: threading.Event) -> None:
        self._session = session
        self._messages = messages
        self.connected = connected
        self._generation = 0
        self._connection: Any = None  # gmqtt's connection of the current generation
        self._up = False  # a CONNACK since the last loss (the loss is then worth a warning)
        self._failing = False
        self._stopping = False
        self._suback_mid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lost: asyncio.Event | None = None
        self._stop_asked: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        client = _GmqttClient(
            session.client_id,
            clean_session=False,
            # a safety net: the hook below takes QoS 1; what else reaches on_message is not acked
            optimistic_acknowledgement=False,
            session_expiry_interval=SESSION_EXPIRY_S,
            receive_maximum=session.receive_maximum,
        )
        if session.target.username:
            password = session.target.password.get_secret_value() if session.target.password else None
            client.set_auth_credentials(session.target.username, password)
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        # gmqtt acks a QoS 1 message itself (at once, or when an async on_message returns, on
        # whichever connection is current by then) and keeps its packet id: this hook of its
        # packet handler takes the message with its id instead, and sends no PUBACK.
        self._handler = client._package_handler
        if not callable(getattr(self._handler, "_handle_qos_1_publish_packet", None)):
            raise RuntimeError("this gmqtt has no _handle_qos_1_publish_packet: manual acks need it")
        self._handler._handle_qos_1_publish_packet = self._on_publish_qos1
        self._client = client
        self._subscriptions = [gmqtt.Subscription(topic, qos=1) for topic in session.topics]

    def start(self) -> None:
        target = self._session.target
        if not target.host or not 0 < target.port < 65536:
            raise BrokerError(f"cannot connect to {target.host}:{target.port}: not a broker address")
        self._tls = self._session.tls()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._main(),), name=f"mqtt-{self._session.client_id}", daemon=True
        )
        self._thread.start()
        self._ready.wait()

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._stop_asked is None:
            return
        self._stopping = True
        # After the acks already handed to the loop: their PUBACKs go out before the DISCONNECT.
        with contextlib.suppress(RuntimeError):  # the loop is closed already
            self._loop.call_soon_threadsafe(self._stop_asked.set)
        self._thread.join(CONNECT_TIMEOUT_S)
        if self._thread.is_alive():
            log.warning("the MQTT loop did not end within %.0fs", CONNECT_TIMEOUT_S)

    def ack(self, messages: Sequence[Message]) -> int:
        generation = self._generation  # the loop checks again before it writes
        mids = [m.mid for m in messages if m.qos > 0 and m.generation == generation]
        if not mids or self._loop is None:
            return 0
        try:
            self._loop.call_soon_threadsafe(self._send_pubacks, generation, mids)
        except RuntimeError:  # the loop is closed: stopped, nothing is acked any more
            return 0
        return len(mids)

    # -- on the loop -------------------------------------------------------------------------------
    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._lost = asyncio.Event()
        self._stop_asked = asyncio.Event()
        self._ready.set()
        supervisor = asyncio.create_task(self._supervise())
        await self._stop_asked.wait()
        supervisor.cancel()
        # bounded: a cancellation that meets a CONNACK can be lost (3.11's wait_for did it), and
        # then the supervisor, which checks _stopping, ends at its next step or with the loop
        await asyncio.wait({supervisor}, timeout=1.0)
        await self._close()

    async def _supervise(self) -> None:
        """Connect, subscribe, wait for the loss, again; with backoff between failed attempts."""
        assert self._lost is not None
        delays: Iterator[float] | None = None  # None: try at once
        while not self._stopping:
            if delays is not None:
                await asyncio.sleep(next(delays))
            self._lost.clear()
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    await self._connect()
            except (OSError, TimeoutError, gmqtt.MQTTConnectError) as exc:
                target = self._session.target
                if not self._failing:
                    log.warning(
                        "cannot connect to broker %s:%s (%s); retrying", target.host, target.port, exc
                    )
                self._failing = True
                await self._close()
                delays = delays or _retry_delays(self._session.first_retry_s)
                continue
            self._failing = False
            await self._lost.wait()
            delays = _retry_delays(self._session.first_retry_s)

    async def _connect(self) -> None:
        target = self._session.target
        await self._client.connect(target.host, target.port, ssl=self._tls or False, keepalive=KEEPALIVE_S)
        connection = self._handler.current_connection
        if connection is not None:
            pace(connection._protocol)
        self._up = True
        log.info("connected to broker %s:%s", target.host, target.port)
        # gmqtt keeps a list of what was subscribed, one entry per call: this connection's is this.
        self._client.subscriptions.clear()
        self._suback_mid = self._client.subscribe(self._subscriptions)

    async def _close(self) -> None:
        connection = self._handler.current_connection
        if connection is not None and not connection.is_closing():
            try:
                await self._client.disconnect()
            except OSError as exc:
                log.debug("broker connection closed with %s", exc)

    def _send_pubacks(self, generation: int, mids: list[int]) -> None:
        connection = self._connection
        if generation != self._generation or connection is None or connection.is_closing():
            return  # the broker re-delivers them on the next connection
        connection.send_package(
            b"".join(CommandWithMidPacket.build_package(MQTTCommands.PUBACK, mid, False) for mid in mids)
        )

    def _on_publish_qos1(self, mid: int, payload: bytes, topic: str | bytes, _properties: Any) -> None:
        connection = self._handler.current_connection  # gmqtt drops what older ones still deliver
        if connection is not self._connection:
            self._generation += 1
            self._connection = connection
        self._hand_on(Message(_text(topic), payload, mid, 1, self._generation))

    def _on_message(self, _client: Any, topic: str | bytes, payload: bytes, qos: int, _props: Any) -> None:
        self._hand_on(Message(_text(topic), payload, 0, qos, self._generation))

    def _hand_on(self, message: Message) -> None:
        # Bounded by Receive Maximum: the broker stops sending before this queue is full. While it
        # is full the loop waits here, as paho's network thread did.
        while not self._stopping:
            try:
                self._messages.put(message, timeout=0.1)
                return
            except queue.Full:
                continue
        # stopping: not handed on and not acked, the broker sends it again

    def _on_subscribe(self, _client: Any, mid: int, granted: Sequence[int], _props: Any) -> None:
        if mid == self._suback_mid:
            self._session.subscribed([qos >= 0x80 for qos in granted], self.connected)

    def _on_disconnect(self, _client: Any, _packet: Any, _exc: Any = None) -> None:
        self._generation += 1  # what was delivered so far is no longer acked
        self._connection = None
        if self._up and not self._stopping:
            log.warning("broker connection lost; reconnecting")
        self._up = False
        self.connected.clear()
        if self._lost is not None:
            self._lost.set()


def _text(topic: str | bytes) -> str:
    # gmqtt passes a topic that is no UTF-8 as bytes; its envelope is then a dead letter
    return topic if isinstance(topic, str) else topic.decode("utf-8", "replace")


class _PahoTransport:
    """MQTT 3.1.1 through paho, which brings the same guarantees with clean_session=False (no
    session expiry, and the broker's own in-flight window instead of Receive Maximum)."""

    def __init__(self, session: _Session, messages: queue.Queue[Message], connected: threading.Event) -> None:
        self._session = session
        self._messages = messages
        self.connected = connected
        self._generation = 0
        # Held while acks are queued to paho and while the generation moves on (connection lost,
        # new connection about to be made), so no ack of an older connection reaches a newer one.
        self._lock = threading.Lock()
        client = _paho(session.target, session.client_id, "3.1.1", session=True)
        client.reconnect_delay_set(min_delay=1, max_delay=int(MAX_RETRY_S))
        client.max_inflight_messages_set(session.receive_maximum)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_pre_connect = self._on_pre_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        self._stopping = False
        self._up = False  # a connection is up (its subscription acknowledged or not yet)
        self._suback_mid: int | None = None  # the mid of this connection's SUBSCRIBE

    def start(self) -> None:
        target = self._session.target
        context = self._session.tls()
        if context is not None:
            self._client.tls_set_context(context)
        try:
            self._client.connect_async(target.host, target.port, keepalive=KEEPALIVE_S)
        except (OSError, ValueError) as exc:
            raise BrokerError(f"cannot connect to {target.host}:{target.port}: {exc}") from exc
        self._client.loop_start()

    def stop(self) -> None:
        self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()

    def ack(self, messages: Sequence[Message]) -> int:
        """The lock is held while the acks are queued: paho's thread moves the generation on (under
        the same lock) when the connection is lost and before it opens the next one, and drops
        what was queued for the old one."""
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
        self._up = True  # ``connected`` waits for the SUBACK, which paho reads after this returns
        _result, self._suback_mid = client.subscribe([(topic, 1) for topic in self._session.topics])
        target = self._session.target
        log.info("connected to broker %s:%s", target.host, target.port)

    def _on_subscribe(
        self, _client: paho.Client, _userdata: Any, mid: int, reasons: Sequence[Any], _props: Any = None
    ) -> None:
        if mid == self._suback_mid:
            self._session.subscribed([rc.is_failure for rc in reasons], self.connected)

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
        if self._up and not self._stopping:
            log.warning("broker connection lost (%s); reconnecting", reason)
            first = random.randint(*self._session.first_retry_s)
            self._client.reconnect_delay_set(min_delay=first, max_delay=int(MAX_RETRY_S))
        self._up, self._suback_mid = False, None
        self.connected.clear()

    def _on_message(self, _client: paho.Client, _userdata: Any, msg: paho.MQTTMessage) -> None:
        with self._lock:
            generation = self._generation
        # Bounded by Receive Maximum: the broker stops sending before this queue is full.
        self._messages.put(Message(msg.topic, bytes(msg.payload), msg.mid, msg.qos, generation))


def _paho(target: MqttTarget, client_id: str, protocol: str, *, session: bool = False) -> paho.Client:
    """A paho client for this broker, with its credentials (``protocol``: "5" or "3.1.1");
    ``session``: a persistent session (clean session off) with manual acks, the consumer's."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    version = paho.MQTTv5 if protocol == "5" else paho.MQTTv311
    clean = False if session else None  # (None: paho's default for the protocol)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id, clean, protocol=version, manual_ack=session)
    if target.username:
        password = target.password.get_secret_value() if target.password else None
        client.username_pw_set(target.username, password)
    return client


class MqttPublisher:
    """A QoS 1 publisher (the simulator's), waiting for each chunk to be acknowledged."""

    def __init__(
        self, target: MqttTarget, *, client_id: str, ca_file: str | None = None, protocol: str = "5"
    ) -> None:
        client = _paho(target, client_id, protocol)
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
