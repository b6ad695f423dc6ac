"""ELV LW-ESI: power sign, units and refusals."""

from __future__ import annotations

import pytest

from decoders import BadValue, UnknownFrameType, UnsupportedPort, decode

DELIVERY = "03010bdc010201705fbc000005801a0600"


def test_negative_kilowatts_become_negative_watts() -> None:
    frame = decode("elv/elv-lw-esi", 10, bytes.fromhex(DELIVERY))
    values = {str(r.quantity): r.value for r in frame.readings}
    assert values["power"] == -4_000_000.0
    assert values["energy_export"] == 1234.52


def test_unknown_counter_unit_is_refused() -> None:
    with pytest.raises(BadValue):
        decode("elv/elv-lw-esi", 10, bytes.fromhex("03010bdc010103705fbc000005801a0600"))


def test_unknown_block_is_refused() -> None:
    with pytest.raises(UnknownFrameType):
        decode("elv/elv-lw-esi", 10, bytes.fromhex("03010bdc09"))


def test_other_port_is_refused() -> None:
    with pytest.raises(UnsupportedPort):
        decode("elv/elv-lw-esi", 2, bytes.fromhex(DELIVERY))
