"""Reads of the MQTT consumer's connection (gmqtt's), paced at a trickle.

At a city's pace messages arrive one by one, and each woke gmqtt's loop: a socket read, a step
of its read task and its parsing, about 100 us of the interpreter per message (at 150
uplinks/s, 1.5 % of a core: the intake's largest part; perf on its thread counted 155 loop
wake-ups and 79 reads a second). After two reads in a row that found only a trickle, the next
one waits ``READ_PAUSE_S`` with the socket unwatched, then takes at once what came meanwhile. A
backlog's reads fill gmqtt's 64 KB, and the small read at the end of a window of Receive
Maximum is followed by full ones once the batch is acknowledged: neither is held up. The pause
is shorter than the intake's quiet time (``gateway_bridge.service.QUIET_S``): a lingering batch
does not close on it.
"""

from __future__ import annotations

import asyncio
from typing import Any

READ_PAUSE_S = 0.04
TRICKLE_BYTES = 16_384


def pace(protocol: Any) -> None:
    """Reads of this gmqtt connection paced as ``READ_PAUSE_S`` says (its read loop looks the
    method up at every read)."""
    read, transport = protocol.read, protocol._transport
    trickles = 0  # reads in a row that found a trickle

    async def paced(n: int = -1) -> bytes:
        nonlocal trickles
        if trickles >= 2 and transport is not None and transport.is_reading():
            transport.pause_reading()
            try:
                await asyncio.sleep(READ_PAUSE_S)
            finally:
                transport.resume_reading()
        data: bytes = await read(n)
        trickles = trickles + 1 if len(data) < TRICKLE_BYTES else 0
        return data

    protocol.read = paced
