"""Per-device link health (last seen, frame loss from counter gaps, RSSI/SNR, battery) and alarms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, update
from sqlalchemy.dialects import postgresql, sqlite

from decoders import Frame
from ingest.archive import ArchivedUplink
from kernel.types import Reading
from registry import bulk, schema
from registry.errors import database_errors
from registry.schema import INDEX_ANOMALY

# A counter jump larger than this is a re-join or a reset, not lost frames.
_MAX_GAP = 1000


def frames_lost(last_f_cnt: int | None, f_cnt: int | None) -> int:
    """Frames missing between two counters: 0 for the next one, a re-join or a repeat."""
    if last_f_cnt is None or f_cnt is None or f_cnt <= last_f_cnt:
        return 0
    gap = f_cnt - last_f_cnt - 1
    return gap if gap <= _MAX_GAP else 0


class LinkUpdate:
    """Applies a processed batch to ``device_link`` and ``device_alarms``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def record_anomalies(self, anomalies: Sequence[tuple[Reading, str]]) -> None:
        """Index decreases that were neither a wrap nor a recorded replacement, kept for the alerts."""
        if anomalies:
            with database_errors("anomaly record"), self.engine.begin() as conn:
                conn.execute(self._insert(schema.alarms).on_conflict_do_nothing(), _anomaly_rows(anomalies))

    def apply(self, batch: Sequence[ArchivedUplink], frames: Sequence[tuple[ArchivedUplink, Frame]]) -> None:
        if not batch:
            return
        battery = {item.id: (frame.battery_level, frame.battery_voltage) for item, frame in frames}
        with database_errors("link statistics update"), self.engine.begin() as conn:
            euis = sorted({item.uplink.dev_eui for item in batch})
            state = {
                r[0]: _Link(r[0], bulk.from_db_time(r[1]), *r[2:]) for r in bulk.select_in(conn, _LINKS, euis)
            }
            known = set(state)
            for item in sorted(batch, key=lambda a: a.uplink.received_at):
                up = item.uplink
                link = state.get(up.dev_eui)
                if link is None:
                    link = state[up.dev_eui] = _Link(up.dev_eui, up.received_at)
                link.lost += frames_lost(link.last_f_cnt, up.f_cnt)
                link.frames += 1
                level, volts = battery.get(item.id, (None, None))
                if up.received_at >= link.last_seen:
                    link.last_seen = up.received_at
                    link.last_f_cnt = up.f_cnt
                    link.last_rssi = up.best_rssi
                    link.last_snr = up.best_snr
                    if level is not None:
                        link.battery_level = level
                    if volts is not None:
                        link.battery_voltage = volts
            # One executemany of each kind through the driver (registry.bulk): a statement per
            # device, then SQLAlchemy's per-row processing, were a fifth of the bridge's time.
            rows = [(*link.values(conn), link.dev_eui) for link in state.values()]
            bulk.many(conn, _INSERT_LINK, [row for row in rows if row[-1] not in known])
            bulk.many(conn, _UPDATE_LINK, [row for row in rows if row[-1] in known])
            alarm_rows = [
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
            if alarm_rows:
                conn.execute(self._insert(schema.alarms).on_conflict_do_nothing(), alarm_rows)


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
_LINKS = f"SELECT dev_eui, {', '.join(_FIELDS)} FROM device_link WHERE dev_eui IN ({{}})"
_INSERT_LINK = f"INSERT INTO device_link ({', '.join(_FIELDS)}, dev_eui) VALUES ({', '.join('?' * 9)})"
_UPDATE_LINK = f"UPDATE device_link SET {', '.join(f'{f} = ?' for f in _FIELDS)} WHERE dev_eui = ?"


@dataclass(slots=True)
class _Link:
    """A device's row of ``device_link`` while a batch is applied to it."""

    dev_eui: str
    last_seen: datetime
    last_f_cnt: int | None = None
    frames: int = 0
    lost: int = 0
    last_rssi: float | None = None
    last_snr: float | None = None
    battery_level: float | None = None
    battery_voltage: float | None = None

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
