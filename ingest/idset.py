"""A set of uplink ids held in 8 bytes each.

The link statistics hold the ids of the uplinks folded into them until their marks are written
(``RELEVE_BRIDGE_DAY_FLUSH_S``, or a whole catch-up): a Python set of ints took about 65 bytes
an id, 20 MB of a 300,000-uplink backlog's processor (tracemalloc). Ids come in batches, each
mostly after the last (the archive's pages, in id order): a batch after them is appended, any
other is merged in.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator


class IdSet:
    """Uplink ids, sorted, each once."""

    __slots__ = ("_ids",)

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._ids = array("q", sorted(set(ids)))

    def __contains__(self, uplink_id: object) -> bool:
        ids = self._ids
        if not isinstance(uplink_id, int):
            return False
        at = bisect_left(ids, uplink_id)
        return at < len(ids) and ids[at] == uplink_id

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def update(self, batch: Iterable[int]) -> None:
        """Add these ids."""
        new = sorted(set(batch))
        ids = self._ids
        if not new:
            return
        if not ids or new[0] > ids[-1]:
            ids.extend(new)
        else:  # a replay, a quarantined uplink released: older ids among them
            self._ids = array("q", sorted(set(ids).union(new)))
