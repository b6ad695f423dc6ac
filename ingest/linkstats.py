"""Per-device link health (last seen, frame loss from counter gaps, RSSI/SNR, battery) and alarms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, update
from sqlalchemy.dialects import postgresql, sqlite

from ingest.archive import ArchivedUplink
from ingest.idset import IdSet
from kernel.types import MAX_SERIES, Reading, Uplink
from registry import bulk, schema
from registry.errors import database_errors
from registry.schema import INDEX_ANOMALY

if TYPE_CHECKING:  # the intake writes battery levels without the decoders (ingest/intake.py)
    from decoders import Frame

# A counter jump larger than this is a re-join or a reset, not lost frames.
_MAX_GAP = 1000


def frames_lost(last_f_cnt: int | None, f_cnt: int | None) -> int:
    """Frames missing between two counters: 0 for the next one, a re-join or a repeat."""
    if last_f_cnt is None or f_cnt is None or f_cnt <= last_f_cnt:
        return 0
    gap = f_cnt - last_f_cnt - 1
    return gap if gap <= _MAX_GAP else 0


class LinkUpdate:
    """Folds processed batches into ``device_link`` rows and writes them; records alarms.

    ``hold`` (one worker processes each device: the bridge alone, or its processor process):
    what a batch adds is held and written with the processing marks of its uplinks, in their
    transaction (``write``, then ``written`` once it committed). The counts then stay exact: an
    uplink processed again (after a crash, a store outage, a device provisioned) is counted once,
    and a city's batches cost one statement per flush instead of a read and a write per batch.
    Each device's newest counter is kept here, for the frames lost between batches.

    Without ``hold`` (shared-subscription workers: a device's uplinks spread over them), each
    batch reads the rows it touches and writes them at once (``apply``), as the others write too.
    """

    def __init__(self, engine: Engine, *, hold: bool = False) -> None:
        self.engine = engine
        self.hold = hold
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        # Per device, the time and counter of the newest uplink folded (or read from the table).
        self._newest: dict[str, tuple[datetime, int | None]] = {}
        self._open = _Held()
        self._sealed = _Held()  # what a flush under way marks (``seal``)

    def record_anomalies(self, anomalies: Sequence[tuple[Reading, str]]) -> None:
        """Index decreases that were neither a wrap nor a recorded replacement, kept for the alerts."""
        if anomalies:
            with database_errors("anomaly record"), self.engine.begin() as conn:
                conn.execute(self._insert(schema.alarms).on_conflict_do_nothing(), _anomaly_rows(anomalies))

    def apply(self, batch: Sequence[ArchivedUplink], frames: Sequence[tuple[ArchivedUplink, Frame]]) -> None:
        """Fold a processed batch: held (``hold``), or written at once from the rows as stored."""
        if not batch:
            return
        if not self.hold:
            self._newest = {}
        self._fold(batch, frames)
        self._alarms(frames)
        if not self.hold:
            self.seal()
            with database_errors("link statistics update"), self.engine.begin() as conn:
                self.write(conn, everything=True)
            self.written(everything=True)

    def seal(self) -> None:
        """A flush begins: what is held so far is written with its marks (``write``)."""
        self._sealed.take(self._open)

    def write(self, conn: Connection, *, everything: bool) -> None:
        """Write what is sealed (``everything``: and what was held since) in the caller's
        transaction: counts are added to the stored ones, the newest uplink's values replace
        the stored ones when newer."""
        rows = {eui: replace(delta) for eui, delta in self._sealed.deltas.items()}
        if everything:
            _fold_in(rows, self._open.deltas)
        bulk.many(conn, _UPSERT_LINK, [(eui, *d.values(conn)) for eui, d in sorted(rows.items())])

    def written(self, *, everything: bool) -> None:
        """The transaction of ``write`` committed: drop what it wrote."""
        self._sealed = _Held()
        if everything:
            self._open = _Held()
        if len(self._newest) > MAX_SERIES:  # read again from the table when next seen
            self._newest = {e: v for e, v in self._newest.items() if e in self._open.deltas}

    def forget(self) -> None:
        """Another process may have changed the table: read it again (what is held is kept)."""
        held = self._open.deltas.keys() | self._sealed.deltas.keys()
        self._newest = {e: v for e, v in self._newest.items() if e in held}

    def _fold(self, batch: Sequence[ArchivedUplink], frames: Sequence[tuple[ArchivedUplink, Frame]]) -> None:
        fresh = [item for item in batch if item.id not in self._open.ids and item.id not in self._sealed.ids]
        known = self._newest  # (not ``set - known.keys()``, which walks every device known)
        missing = sorted({eui for item in fresh if (eui := item.uplink.dev_eui) not in known})
        if missing:
            with database_errors("link statistics read"), self.engine.connect() as conn:
                for eui, seen, f_cnt in bulk.select_in(conn, _NEWEST, missing):
                    self._newest[eui] = (bulk.from_db_time(seen), f_cnt)
        battery = {item.id: (frame.battery_level, frame.battery_voltage) for item, frame in frames}
        held = self._open
        for item in sorted(fresh, key=lambda a: a.uplink.received_at):
            up = item.uplink
            newest = self._newest.get(up.dev_eui)
            if newest is None or up.received_at >= newest[0]:
                self._newest[up.dev_eui] = (up.received_at, up.f_cnt)
            delta = held.deltas.get(up.dev_eui)
            if delta is None:
                delta = held.deltas[up.dev_eui] = _Delta(up.received_at)
            delta.frames += 1
            delta.lost += frames_lost(None if newest is None else newest[1], up.f_cnt)
            if up.received_at >= delta.last_seen:
                delta.newest(up, *battery.get(item.id, (None, None)))
        held.ids.update(item.id for item in fresh)

    def _alarms(self, frames: Sequence[tuple[ArchivedUplink, Frame]]) -> None:
        """The frames' alarms, once each (a frame processed again finds its rows there)."""
        rows = [
            {
                "dev_eui": item.uplink.dev_eui,
                "uplink_id": item.id,
                "kind": str(alarm.kind),
                "channel": alarm.channel,
                "detail": alarm.detail,
                "at": item.uplink.received_at,
            }
            for item, frame in frames
            for alarm in frame.alarms
        ]
        if rows:
            with database_errors("alarm record"), self.engine.begin() as conn:
                conn.execute(self._insert(schema.alarms).on_conflict_do_nothing(), rows)


_FIELDS = (
    "last_seen",
    "last_f_cnt",
    "frames",
    "lost",
    "last_rssi",
    "last_snr",
    "battery_level",
    "battery_voltage",
)
_NEWEST = "SELECT dev_eui, last_seen, last_f_cnt FROM device_link WHERE dev_eui IN ({})"


def _newer(field: str, when: str = "") -> str:
    """A field taken from the held row where its uplink is the newest (``when``: and more)."""
    return (
        f"{field} = CASE WHEN excluded.last_seen >= device_link.last_seen{when} "
        f"THEN excluded.{field} ELSE device_link.{field} END"
    )


# Counts add up; the newest uplink's values replace older ones (SQL's SET reads the old row).
_UPSERT_LINK = (
    f"INSERT INTO device_link (dev_eui, {', '.join(_FIELDS)}) VALUES ({', '.join('?' * 9)}) "
    "ON CONFLICT (dev_eui) DO UPDATE SET "
    "frames = device_link.frames + excluded.frames, lost = device_link.lost + excluded.lost, "
    + ", ".join(
        [
            _newer("last_f_cnt"),
            _newer("last_rssi"),
            _newer("last_snr"),
            _newer("battery_level", " AND excluded.battery_level IS NOT NULL"),
            _newer("battery_voltage", " AND excluded.battery_voltage IS NOT NULL"),
            _newer("last_seen"),
        ]
    )
)


@dataclass(slots=True)
class _Delta:
    """What a device's uplinks folded here add to its ``device_link`` row."""

    last_seen: datetime
    last_f_cnt: int | None = None
    frames: int = 0
    lost: int = 0
    last_rssi: float | None = None
    last_snr: float | None = None
    battery_level: float | None = None
    battery_voltage: float | None = None

    def newest(self, up: Uplink, level: float | None, volts: float | None) -> None:
        """The newest uplink folded so far."""
        self.last_seen = up.received_at
        self.last_f_cnt = up.f_cnt
        self.last_rssi = up.best_rssi
        self.last_snr = up.best_snr
        if level is not None:
            self.battery_level = level
        if volts is not None:
            self.battery_voltage = volts

    def add(self, later: _Delta) -> None:
        """Fold in what was held after this (its newest uplink may be older)."""
        self.frames += later.frames
        self.lost += later.lost
        if later.last_seen >= self.last_seen:
            self.last_seen, self.last_f_cnt = later.last_seen, later.last_f_cnt
            self.last_rssi, self.last_snr = later.last_rssi, later.last_snr
            if later.battery_level is not None:
                self.battery_level = later.battery_level
            if later.battery_voltage is not None:
                self.battery_voltage = later.battery_voltage

    def values(self, conn: Connection) -> tuple[object, ...]:
        """The row's values in ``_FIELDS`` order, as the driver stores them."""
        return (
            bulk.db_time(conn, self.last_seen),
            self.last_f_cnt,
            self.frames,
            self.lost,
            self.last_rssi,
            self.last_snr,
            self.battery_level,
            self.battery_voltage,
        )


@dataclass(slots=True)
class _Held:
    """Deltas of devices and the uplinks folded into them."""

    deltas: dict[str, _Delta] = field(default_factory=dict)
    ids: IdSet = field(default_factory=IdSet)

    def take(self, later: _Held) -> None:
        """Fold ``later`` in; it is left empty."""
        _fold_in(self.deltas, later.deltas)
        self.ids.update(later.ids)
        later.deltas, later.ids = {}, IdSet()


def _fold_in(deltas: dict[str, _Delta], later: dict[str, _Delta]) -> None:
    """Add to ``deltas`` what was held after them (a device's delta there is added to in place,
    one not there is taken as it is)."""
    for eui, delta in later.items():
        mine = deltas.get(eui)
        if mine is None:
            deltas[eui] = delta
        else:
            mine.add(delta)


def _anomaly_rows(anomalies: Sequence[tuple[Reading, str]]) -> list[dict[str, Any]]:
    return [
        {
            "dev_eui": r.dev_eui,
            "uplink_id": r.uplink_id,
            "kind": INDEX_ANOMALY,
            "channel": f"{r.quantity}/{r.channel}" if r.channel else r.quantity,
            "detail": why,
            "at": r.ts,
        }
        for r, why in anomalies
    ]


def apply_status(engine: Engine, statuses: Sequence[tuple[str, datetime, float | None]]) -> None:
    """Battery levels reported by the network server (ChirpStack ``status`` events), for known links."""
    link = schema.device_link
    with database_errors("link statistics update"), engine.begin() as conn:
        for dev_eui, _time, level in statuses:
            if level is not None:
                conn.execute(update(link).where(link.c.dev_eui == dev_eui).values(battery_level=level))
