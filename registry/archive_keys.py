"""The archive's keys of a frame: what makes a second delivery of it known as a copy.

A frame is the device, its session address, its frame counter and a digest of its payload
(``frame_key``). The archive's unique key puts the hour it was received in front of that
(``dedup_key``), so that the unique index grows at its end, hour after hour: keyed by the frame
alone, every batch wrote its entries at as many places of the index as it had devices, and the
insert's cost grew with the archive (10,000 devices: 41 us an uplink at 100,000 uplinks archived,
63-81 us past 500,000; with the hour first, 31-46 us all along: BENCHMARKS.md, seventeenth round).

Copies of a frame are received at the same time (a re-delivery carries the very same envelope)
or within seconds (two network servers, two gateways' clocks). Two receptions less than
``EDGE_S`` apart either fall in the same hour, and share the key, or straddle the turn of an
hour, and are then both within ``EDGE_S`` of it: a frame received that close to a turn also
takes that turn's key (``keys_of``) in a table of its own, ``uplink_edges``, unique too, so that
the database itself refuses the second copy, whichever process archives it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from kernel.types import Uplink
from registry import bulk

HOUR_S = 3600
EDGE_S = 300  # receptions of one frame further apart than this are not known as copies
FREE_MAX = 64


_EDGES = "INSERT INTO uplink_edges (edge_key) VALUES "
_EDGES_RETURNING = " ON CONFLICT (edge_key) DO NOTHING RETURNING edge_key"
_EDGES_INSERT = f"{_EDGES}(?) ON CONFLICT (edge_key) DO NOTHING"
_EDGES_KNOWN = "SELECT edge_key FROM uplink_edges WHERE edge_key IN ({})"
_KNOWN = "SELECT dedup_key FROM uplinks WHERE dedup_key IN ({})"


def frame_key(uplink: Uplink) -> str:
    """Device, session address, frame counter and payload digest: the same frame, whoever sent it."""
    digest = hashlib.blake2s(uplink.payload, digest_size=6).hexdigest()
    if uplink.f_cnt is None:
        anchor = _bounded(uplink.lns_event_id or uplink.received_at.isoformat())
        return f"{uplink.dev_eui}/-/{anchor}/{digest}"
    return f"{uplink.dev_eui}/{_bounded(uplink.dev_addr or '-')}/{uplink.f_cnt}/{digest}"


def _bounded(text: str) -> str:
    """A part of the key the network server wrote (a session address, an event id) as it is, or,
    longer than ``FREE_MAX`` or with a character that is not printable, its digest: the key fits
    the archive's column (200 characters) and PostgreSQL's text (no NUL), where a key that did
    not failed the insert of its whole batch, which then waited for ever."""
    if len(text) <= FREE_MAX and text.isprintable():
        return text
    return "#" + hashlib.blake2s(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def keys_of(uplink: Uplink) -> tuple[str, str | None]:
    """The frame's unique key in the archive (the hour of its reception, then the frame), and,
    when it was received within ``EDGE_S`` of the turn of an hour, that turn's key."""
    return _keyed(frame_key(uplink), uplink.received_at)


def hour_keyed(key: str, received_at: datetime) -> tuple[str, str | None]:
    """``keys_of`` for a frame archived under ``key``, as made now or (an export of an instance
    from before issue 19) its frame key alone, which begins with the 16 digits of its DevEUI."""
    head, _, rest = key.partition("/")
    return _keyed(key if len(head) == 16 else rest, received_at)


def _keyed(frame: str, received_at: datetime) -> tuple[str, str | None]:
    seconds = math.floor(received_at.timestamp())
    turn = (seconds + HOUR_S // 2) // HOUR_S
    edge = f"{turn}/{frame}" if abs(seconds - turn * HOUR_S) < EDGE_S else None
    return f"{seconds // HOUR_S}/{frame}", edge


def dedup_key(uplink: Uplink) -> str:
    """The frame's unique key in the archive."""
    return keys_of(uplink)[0]


def turn_keys(edge: str) -> tuple[str, str]:
    """The archive keys a frame that took ``edge`` may have: in the hour before the turn or after it."""
    turn, _, frame = edge.partition("/")
    return f"{int(turn) - 1}/{frame}", f"{turn}/{frame}"


def claim_turns(conn: Connection, turns: dict[str, str]) -> set[str]:
    """Take these turns' keys (a turn's key -> the key of the frame that takes it); returns the
    frames' keys whose turn was taken already: those frames are archived, in the hour before
    the turn or after it."""
    if not turns:
        return set()
    edges = list(turns)
    if bulk.returning(conn):
        rows = bulk.insert_returning(conn, _EDGES, "(?)", _EDGES_RETURNING, [(e,) for e in edges])
        fresh = {r[0] for r in rows}
    else:
        known = {r[0] for r in bulk.select_in(conn, _EDGES_KNOWN, edges)}
        fresh = {e for e in edges if e not in known}
        bulk.many(conn, _EDGES_INSERT, [(e,) for e in edges if e in fresh])
    return {key for edge, key in turns.items() if edge not in fresh}


def stored_keys(conn: Connection, keys: Iterable[str], turns: dict[str, str]) -> dict[str, str]:
    """The key each of these frames is archived under: its own, or (heard across the turn of an
    hour: ``turns`` maps its turn's key to it) the other hour's; a frame not found keeps its own."""
    edge_of = {key: edge for edge, key in turns.items()}
    candidates = {key: [key, *(turn_keys(edge_of[key]) if key in edge_of else ())] for key in keys}
    found = {r[0] for r in bulk.select_in(conn, _KNOWN, sorted({k for c in candidates.values() for k in c}))}
    return {key: next((k for k in c if k in found), key) for key, c in candidates.items()}
