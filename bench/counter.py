"""The ceiling of any paho-based consumer: a QoS 1 subscriber that only counts (its own process).

``python -m bench.counter PORT COUNT [--prepare]``: with ``--prepare``, create the persistent
session and its subscription, then leave; without, count ``COUNT`` messages of that session and
print the seconds from the first to the last one.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

TOPIC = "application/+/device/+/event/up"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--window", type=int, default=1000, help="MQTT v5 Receive Maximum")
    parser.add_argument("--prepare", action="store_true")
    args = parser.parse_args()
    done = threading.Event()
    seen = [0]
    first = [0.0]

    def on_message(_c: object, _u: object, _m: object) -> None:
        if not seen[0]:
            first[0] = time.perf_counter()
        seen[0] += 1
        if seen[0] >= args.count:
            done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-paho", protocol=paho.MQTTv5)
    client.on_message = on_message
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 3600
    props.ReceiveMaximum = args.window
    client.connect("127.0.0.1", args.port, clean_start=False, properties=props)
    if args.prepare:
        client.subscribe(TOPIC, qos=1)
        client.loop_start()
        time.sleep(0.5)
        client.disconnect()
        client.loop_stop()
        return
    client.loop_start()
    finished = done.wait(3600)
    last = time.perf_counter()
    client.disconnect()
    client.loop_stop()
    if not finished:
        sys.exit(f"counted {seen[0]} of {args.count} messages")
    print(f"{last - first[0]:.6f}")


if __name__ == "__main__":
    main()
