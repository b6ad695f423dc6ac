"""``Reader``'s one- and two-byte reads: the values ``int.from_bytes`` gives, and a short frame
raises ``BadLength`` (never ``IndexError``) wherever the read falls."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decoders._bytes import Reader
from decoders.errors import BadLength

READS = {
    "u8": (1, "big", False),
    "s8": (1, "big", True),
    "u16be": (2, "big", False),
    "s16be": (2, "big", True),
    "u16le": (2, "little", False),
    "s16le": (2, "little", True),
}


@given(st.binary(max_size=7), st.lists(st.sampled_from(sorted(READS)), max_size=6))
def test_small_reads_match_int_from_bytes_and_fail_as_take_does(data: bytes, reads: list[str]) -> None:
    reader, pos = Reader(data), 0
    for name in reads:
        size, order, signed = READS[name]
        if pos + size > len(data):
            with pytest.raises(BadLength, match="needs"):
                getattr(reader, name)()
            assert reader.pos == pos  # nothing read
            return
        assert getattr(reader, name)() == int.from_bytes(data[pos : pos + size], order, signed=signed)  # type: ignore[arg-type]
        pos += size
        assert reader.pos == pos
