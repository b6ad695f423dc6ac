"""Domain types shared by the bridge, ingest and API: what crosses package boundaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from kernel.frozen import quick_init


class Lns(StrEnum):
    """The network servers whose envelopes releve reads."""

    CHIRPSTACK_V4 = "chirpstack_v4"
    CHIRPSTACK_V3 = "chirpstack_v3"
    TTS_V3 = "tts_v3"
    THINGPARK = "thingpark"
    LIVE_OBJECTS = "live_objects"
    HELIUM = "helium"


def normalize_eui(value: str) -> str:
    """Return a DevEUI as 16 lowercase hex digits; raises ValueError on anything else.

    Accepts separators (``-``, ``:``, spaces) and either case, as technicians type them.
    """
    if len(value) == 16:  # every uplink's envelope: already 16 digits, known after its first
        known = _EUIS.get(value)
        if known is not None:
            return known
    cleaned = _normalized(value)
    if len(value) == 16 and len(_EUIS) < _EUIS_MAX:
        _EUIS[value] = cleaned
    return cleaned


# The DevEUIs seen as 16 digits and their normal form (bounded: a stranger's random EUIs fill it
# once, then miss it).
_EUIS: dict[str, str] = {}
_EUIS_MAX = 1 << 17


def _normalized(value: str) -> str:
    cleaned = "".join(ch for ch in value if ch not in "-: ").lower()
    if len(cleaned) != 16 or any(ch not in "0123456789abcdef" for ch in cleaned):
        raise ValueError(f"not a DevEUI (16 hex digits): {value!r}")
    return cleaned


@quick_init
@dataclass(frozen=True, slots=True)
class Reception:
    """One gateway's reception of an uplink (radio metadata)."""

    gateway_id: str
    rssi: float | None = None
    snr: float | None = None
    time: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Uplink:
    """An uplink as the network server delivered it, before decoding.

    ``payload`` is the FRMPayload (decrypted by the LNS unless ``encrypted``); ``received_at`` is
    UTC. ``decoded_object`` is the LNS codec's output (ChirpStack ``object``, TTS
    ``decoded_payload``) where it sent one. ``dedup_key`` identifies the frame across
    re-deliveries and gateways: device, frame counter and device address/session.
    """

    dev_eui: str
    f_port: int
    f_cnt: int | None
    payload: bytes
    received_at: datetime
    lns: Lns
    receptions: tuple[Reception, ...] = ()
    dev_addr: str | None = None
    device_name: str | None = None
    application_id: str | None = None
    lns_event_id: str | None = None
    confirmed: bool = False
    spreading_factor: int | None = None
    frequency_hz: int | None = None
    encrypted: bool = False
    # The network server's name for the device's kind (ChirpStack's device profile, TTS' brand and
    # model, ThingPark's driver): shown in the quarantine, to provision the right model.
    device_profile: str | None = None
    decoded_object: dict[str, object] | None = field(default=None, compare=False)

    @property
    def best_rssi(self) -> float | None:
        values = [r.rssi for r in self.receptions if r.rssi is not None]
        return max(values) if values else None

    @property
    def best_snr(self) -> float | None:
        values = [r.snr for r in self.receptions if r.snr is not None]
        return max(values) if values else None


# One hour in nanoseconds: InfluxDB's time unit, in which writers cut readings into hours.
HOUR_NS = 3_600_000_000_000

# The most series a process keeps state for in memory (a meter's last index, a series' folded
# hour, its line-protocol prefix): past it, a cache is emptied and refills from the store.
MAX_SERIES = 200_000


_new_tuple = tuple.__new__


class SeriesKey(NamedTuple):
    """A series: one quantity on one channel of one device (what a store keys its points by,
    with the time)."""

    dev_eui: str
    quantity: str
    channel: str


@quick_init
@dataclass(frozen=True, slots=True)
class Reading:
    """A stored reading: a decoded value of one device, at one time, in its canonical unit.

    ``kind`` is one of cumulative / delta / instantaneous / state (see ``decoders.Kind``).
    ``f_cnt`` and ``uplink_id`` trace the reading back to the raw uplink it came from.
    ``delta`` is, for cumulative and delta readings, the consumption since the previous reading
    of the same series, computed by ingest's meter semantics (rollover, replacement, pulse
    weight); None when it is unknown (first reading) or excluded (an anomaly). Stores sum it
    into hourly and daily rollups.
    """

    dev_eui: str
    quantity: str
    value: float
    unit: str
    kind: str
    ts: datetime
    channel: str = ""
    f_cnt: int | None = None
    uplink_id: int | None = None
    delta: float | None = None

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None:
            raise ValueError("Reading.ts must be timezone-aware (UTC)")

    @property
    def series(self) -> SeriesKey:
        # SeriesKey(...) without its Python-level __new__: a key is made several times per reading
        return _new_tuple(SeriesKey, (self.dev_eui, self.quantity, self.channel))

    def with_delta(self, delta: float | None) -> Reading:
        """This reading with its consumption delta (``dataclasses.replace`` took twice as long,
        and every index reading the bridge stores goes through here)."""
        return Reading(
            self.dev_eui,
            self.quantity,
            self.value,
            self.unit,
            self.kind,
            self.ts,
            self.channel,
            self.f_cnt,
            self.uplink_id,
            delta,
        )


@dataclass(frozen=True, slots=True)
class Replacement:
    """A meter replaced at ``at`` (recorded in the registry): the old one's last index and the
    new one's first, so that consumption stays continuous across it (ingest.meter)."""

    at: datetime
    old_final: float
    new_initial: float
