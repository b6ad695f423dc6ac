"""Edits of the store made outside the bridge, announced to the bridge through the registry.

The bridge keeps each series' latest point, hour, day and month in memory (the pipeline's last
index, ``InfluxStore``'s open periods) and folds new points into them. A process that edits the
store otherwise (a reprocess, deltas recomputed after a meter replacement, an erasure, an import)
wraps the edit in ``editing``, which bumps a counter in the registry before and after it. The
bridge reads the counter once per batch (``current``): when it moved, the bridge forgets what it
holds and starts again from what is stored.

A second counter (row 2) counts the changes of devices: provisioned (also from the quarantine),
edited, decommissioned or removed, by the API, a command or an import. A running bridge reads it
every second (``device_changes``): when it moved, it looks its devices up again and processes
what waits in the archive (the uplinks a device sent before it was provisioned), without a restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from registry import bulk
from registry.errors import database_errors
from registry.schema import store_edits

_READ = "SELECT epoch FROM store_edits WHERE id = ?"
_STORE = 1
_DEVICES = 2


def current(engine: Engine) -> int:
    """The number of edits begun or ended so far."""
    return _read(engine, _STORE)


def device_changes(engine: Engine) -> int:
    """The number of changes of devices so far."""
    return _read(engine, _DEVICES)


def devices_changed(engine: Engine) -> None:
    """Announce a change of devices to the running bridges."""
    _bump(engine, _DEVICES)


def bump(engine: Engine) -> None:
    _bump(engine, _STORE)


def _read(engine: Engine, row: int) -> int:
    # Through the driver (registry.bulk): the bridge reads it twice a batch, and SQLAlchemy's
    # statement took two thirds of the 240 us a read cost.
    with database_errors("reading the registry's change counters"), engine.connect() as conn:
        epoch = conn.exec_driver_sql(bulk.sql(conn, _READ), (row,)).scalar()
    return int(epoch or 0)


def _bump(engine: Engine, row: int) -> None:
    with database_errors("counting a change"), engine.begin() as conn:
        done = conn.execute(
            update(store_edits).where(store_edits.c.id == row).values(epoch=store_edits.c.epoch + 1)
        )
        if done.rowcount == 0:
            conn.execute(insert(store_edits).values(id=row, epoch=1))


@contextmanager
def editing(engine: Engine) -> Iterator[None]:
    """Announce an edit of the store: before it (a bridge batch started later folds nothing from
    memory) and after it (a batch that overlapped it is written again from what is stored)."""
    bump(engine)
    try:
        yield
    finally:
        bump(engine)
