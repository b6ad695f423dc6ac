"""The processing results held for a flush (``MarkLog``): every mark back as it was made, in
order, whatever mix of states, errors and decoders."""

from __future__ import annotations

import sys

from ingest.archive import Mark
from ingest.flushing import MarkLog


def marks(n: int) -> list[Mark]:
    out = []
    for i in range(n):
        if i % 7 == 3:
            out.append(Mark(i, "failed", f"DecodeError: frame {i} too short", "netvox/r718h", 0))
        elif i % 11 == 5:
            out.append(Mark(i, "unknown_device", "device not provisioned", None, 0))
        else:
            out.append(Mark(i, "decoded", None, "netvox/r718h@1", i % 5))
    return out


def test_marks_come_back_in_order_with_what_each_said() -> None:
    made = marks(1000)
    log = MarkLog(made[:400])
    log.extend(made[400:])
    assert list(log) == made
    assert len(log) == 1000 and log and not MarkLog()
    assert made[3] in log and Mark(3, "decoded", None, None, 0) not in log


def test_an_uplink_marked_twice_keeps_both_marks_in_order() -> None:
    """A replay marks an uplink again (a device provisioned meanwhile): the later one is written last."""
    first = Mark(7, "unknown_device", "device not provisioned", None, 0)
    later = Mark(7, "decoded", None, "netvox/r718h@1", 2)
    assert list(MarkLog([first, later])) == [first, later]


def test_held_marks_take_a_fraction_of_their_tuples() -> None:
    made = marks(20_000)
    log = MarkLog(made)
    arrays = sum(sys.getsizeof(a) for a in (log._ids, log._readings, log._kinds))
    tuples = sum(sys.getsizeof(m) + sys.getsizeof(m.uplink_id) for m in made)
    assert arrays < tuples / 4
