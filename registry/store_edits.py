"""Edits of the store made outside the bridge, announced to the bridge through the registry.

The bridge keeps each series' latest point, hour, day and month in memory (the pipeline's last
index, ``InfluxStore``'s open periods) and folds new points into them. A process that edits the
store otherwise (a reprocess, deltas recomputed after a meter replacement, an erasure, an import)
wraps the edit in ``editing``, which bumps a counter in the registry before and after it. The
bridge reads the counter once per batch (``current``): when it moved, the bridge forgets what it
holds and starts again from what is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from registry.errors import database_errors
from registry.schema import store_edits


def current(engine: Engine) -> int:
    """The number of edits begun or ended so far."""
    with database_errors("reading the store's edit counter"), engine.connect() as conn:
        epoch = conn.execute(select(store_edits.c.epoch).where(store_edits.c.id == 1)).scalar()
    return int(epoch or 0)


def bump(engine: Engine) -> None:
    with database_errors("counting an edit of the store"), engine.begin() as conn:
        done = conn.execute(
            update(store_edits).where(store_edits.c.id == 1).values(epoch=store_edits.c.epoch + 1)
        )
        if done.rowcount == 0:
            conn.execute(insert(store_edits).values(id=1, epoch=1))


@contextmanager
def editing(engine: Engine) -> Iterator[None]:
    """Announce an edit of the store: before it (a bridge batch started later folds nothing from
    memory) and after it (a batch that overlapped it is written again from what is stored)."""
    bump(engine)
    try:
        yield
    finally:
        bump(engine)
