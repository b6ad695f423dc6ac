"""A QoS 1 subscriber that only counts, on gmqtt (its own process): bare, or releve's consumer.

``python -m bench.gmqtt_counter PORT COUNT [--prepare] [--releve]``: with ``--prepare``, create
the persistent session and its subscription, then leave; without, count ``COUNT`` messages of
that session and print the seconds from the first to the last one. Bare, gmqtt acknowledges each
message as it arrives (as paho does in bench.counter); with ``--releve``, the bridge's
``MqttConsumer`` hands messages to its queue and this process acks them in batches of up to 500,
as the bridge does after archiving.
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import sys
import time

import gmqtt

from gateway_bridge.mqtt import Message, MqttConsumer
from kernel.settings import MqttTarget

TOPIC = "application/+/device/+/event/up"


async def bare(port: int, count: int, window: int, prepare: bool) -> float | None:
    done = asyncio.Event()
    seen = 0
    first = 0.0

    def on_message(_client: object, _topic: str, _payload: bytes, _qos: int, _props: object) -> None:
        nonlocal seen, first
        if not seen:
            first = time.perf_counter()
        seen += 1
        if seen >= count:
            done.set()

    client = gmqtt.Client(
        "bench-gmqtt", clean_session=False, session_expiry_interval=3600, receive_maximum=window
    )
    client.on_message = on_message
    await client.connect("127.0.0.1", port, keepalive=30)
    if prepare:
        client.subscribe(TOPIC, qos=1)
        await asyncio.sleep(0.5)
        await client.disconnect()
        return None
    try:
        await asyncio.wait_for(done.wait(), 3600)
    except TimeoutError:
        sys.exit(f"counted {seen} of {count} messages")
    last = time.perf_counter()
    await client.disconnect()
    return last - first


def releve(port: int, count: int, window: int, prepare: bool) -> float | None:
    consumer = MqttConsumer(
        MqttTarget.parse(f"mqtt://127.0.0.1:{port}"),
        client_id="bench-releve-mqtt",
        topics=[TOPIC],
        receive_maximum=window,
    )
    consumer.start()
    try:
        if prepare:
            if not consumer.connected.wait(10):
                sys.exit("no SUBACK within 10 s")
            return None
        seen = 0
        first = time.perf_counter()
        while seen < count:
            try:
                batch: list[Message] = [consumer.messages.get(timeout=3600)]
            except queue.Empty:
                sys.exit(f"counted {seen} of {count} messages")
            if not seen:
                first = time.perf_counter()
            while len(batch) < 500:
                try:
                    batch.append(consumer.messages.get_nowait())
                except queue.Empty:
                    break
            consumer.ack(batch)
            seen += len(batch)
        return time.perf_counter() - first
    finally:
        consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--window", type=int, default=1000, help="MQTT v5 Receive Maximum")
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--releve", action="store_true", help="releve's MqttConsumer, batched acks")
    args = parser.parse_args()
    if args.releve:
        elapsed = releve(args.port, args.count, args.window, args.prepare)
    else:
        elapsed = asyncio.run(bare(args.port, args.count, args.window, args.prepare))
    if elapsed is not None:
        print(f"{elapsed:.6f}")


if __name__ == "__main__":
    main()
