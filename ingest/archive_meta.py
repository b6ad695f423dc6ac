"""The archive's ``meta`` column read back in one typed pass (the bridge's processor, per uplink).

The processor reads every uplink back from the archive: its receptions and times were a JSON
document parsed into dictionaries, then each reception built and each time parsed in Python
(5.1 us an uplink). msgspec reads the text straight into the receptions and times (1.6 us).
A document of other types (written by an older releve, or edited by hand) returns None, and
the caller reads it as before (``ingest.archive._uplink``).
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from kernel.types import Lns, Reception, Uplink


class Meta(msgspec.Struct, gc=False):
    """What ``ingest.archive._meta`` writes beside an uplink's columns."""

    receptions: tuple[Reception, ...] = ()
    dev_addr: str | None = None
    device_name: str | None = None
    device_profile: str | None = None
    application_id: str | None = None
    lns_event_id: str | None = None
    confirmed: bool = False
    spreading_factor: int | None = None
    frequency_hz: int | None = None
    encrypted: bool = False
    archived_at: datetime | None = None


_DECODER = msgspec.json.Decoder(Meta)


def typed_uplink(
    raw: object, dev_eui: str, f_port: int, f_cnt: int | None, payload: bytes, received: datetime, lns: Lns
) -> tuple[Uplink, datetime | None] | None:
    """An archived uplink from its columns and its ``meta`` text, with when it was archived;
    None where the text is not of ``Meta``'s types (psycopg hands PostgreSQL's JSON over already
    parsed: the caller reads that as before)."""
    if not isinstance(raw, str | bytes):
        return None
    try:
        m = _DECODER.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return None
    uplink = Uplink(  # positional, in the fields' order
        dev_eui,
        f_port,
        f_cnt,
        payload,
        received,
        lns,
        m.receptions,
        m.dev_addr,
        m.device_name,
        m.application_id,
        m.lns_event_id,
        m.confirmed,
        m.spreading_factor,
        m.frequency_hz,
        m.encrypted,
        m.device_profile,
    )
    return uplink, m.archived_at
