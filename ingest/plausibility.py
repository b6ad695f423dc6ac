"""Which reading times releve stores: none before a floor, none beyond a bounded skew into the future.

A gateway with a wrong clock, a GPS without a fix (1980), a meter whose clock was never set
(2000) or a hostile envelope (2300, 9999) gives times no meter read at. Stored, such a reading
becomes its series' latest value, or is refused by the store and blocks every uplink behind it.
The uplink is marked failed instead, with the reason, among the decoding failures: once the
cause is fixed (a device's installation date, the clock bound) ``releve reprocess`` decodes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

# LoRaWAN 1.0 was published in 2015: no LoRaWAN meter read anything before.
EARLIEST = date(2015, 1, 1)


class ImplausibleTime(ValueError):
    """A reading's time is before the device could have read it, or in the future."""


@dataclass(frozen=True, slots=True)
class TimeBounds:
    """``earliest``: no reading before this date (nor before a device's installation date, where
    provisioning gives one, less a day for time zones). ``max_future``: how far after its uplink
    reached releve a reading may be (clocks drift; a few minutes by default)."""

    earliest: date = EARLIEST
    max_future: timedelta = timedelta(minutes=5)

    def check(self, at: datetime, *, received: datetime, installed: date | None = None) -> None:
        """Raise ``ImplausibleTime`` unless ``at`` is plausible for an uplink that reached
        releve at ``received``."""
        floor, why = _midnight(self.earliest), "before LoRaWAN"
        if installed is not None and installed > self.earliest:
            floor, why = _midnight(installed) - timedelta(days=1), "before its device was installed"
        if at < floor:
            raise ImplausibleTime(f"reading time {_iso(at)} is {why} ({_iso(floor)}): a clock is wrong")
        if at > received + self.max_future:
            raise ImplausibleTime(
                f"reading time {_iso(at)} is more than {self.max_future.total_seconds():g} s after the "
                f"uplink reached releve ({_iso(received)}): a gateway, network-server or meter clock is wrong"
            )


@cache
def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
