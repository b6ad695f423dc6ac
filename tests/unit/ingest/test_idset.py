"""``IdSet``: the link statistics' uplink ids, 8 bytes each, as a set of ints answers."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from ingest.idset import IdSet


@given(st.lists(st.lists(st.integers(1, 2_000), max_size=30), max_size=12), st.integers(0, 2_001))
def test_an_idset_answers_as_a_set(batches: list[list[int]], probe: int) -> None:
    ids, reference = IdSet(), set[int]()
    for batch in batches:
        ids.update(batch)
        reference.update(batch)
    assert (probe in ids) == (probe in reference)
    assert list(ids) == sorted(reference) and len(ids) == len(reference)


def test_batches_in_id_order_are_appended() -> None:
    ids = IdSet()
    for start in range(1, 300_001, 500):
        batch = list(range(start, start + 500))
        random.shuffle(batch)  # a batch's uplinks are folded in reception order
        ids.update(batch)
    assert len(ids) == 300_000 and 1 in ids and 300_000 in ids and 300_001 not in ids
    assert ids._ids.itemsize * len(ids) == 2_400_000  # 8 bytes an id


def test_what_is_not_an_id_is_not_in_it() -> None:
    assert "1" not in IdSet([1])
