"""Outdoor temperature: imported weather-station series and each site's source of outdoor temperature.

A station is a tenant's named series of observations (``time,temperature`` CSV, e.g. from
Météo-France's open data); a site's outdoor temperature comes either from such a station or from
an outdoor sensor of the network (a device's ``temperature`` readings).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from registry.errors import database_errors
from registry.schema import site_weather, weather_observations

STATION = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_ROWS = 200_000
# Beyond what a weather station on Earth records: a unit or sign error, not weather.
T_MIN, T_MAX = -90.0, 60.0


@dataclass(frozen=True, slots=True)
class Observation:
    ts: datetime
    temperature: float


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class WeatherCsv:
    rows: list[Observation]
    errors: list[RowError]


@dataclass(frozen=True, slots=True)
class WeatherSource:
    """Where a site's outdoor temperature comes from (neither: no source yet)."""

    station: str | None = None
    dev_eui: str | None = None


def _parse_time(value: str) -> datetime:
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"time: not an ISO 8601 time: {value!r}") from None
    if ts.tzinfo is None:
        raise ValueError(f"time: {value!r} has no UTC offset (write 2026-01-15T06:00:00Z or +01:00)")
    return ts.astimezone(UTC)


def _parse_temperature(value: str) -> float:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise ValueError(f"temperature: not a number: {value!r}") from None
    if not math.isfinite(number) or not T_MIN <= number <= T_MAX:
        raise ValueError(f"temperature: {value!r} is outside {T_MIN:g}..{T_MAX:g} degC")
    return number


def parse_weather_csv(text: str) -> WeatherCsv:
    """Validate a ``time,temperature`` CSV (comma, semicolon or tab); never raises on bad content."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return WeatherCsv([], [RowError(1, "empty file: a header row time,temperature is required")])
    except csv.Error as exc:
        return WeatherCsv([], [RowError(1, f"unreadable CSV: {exc}")])
    if header != ["time", "temperature"]:
        got = ",".join(header)[:80]
        return WeatherCsv([], [RowError(1, f"header: expected time,temperature, got {got!r}")])
    rows: list[Observation] = []
    errors: list[RowError] = []
    seen: dict[datetime, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                errors.append(RowError(line, f"too many rows (at most {MAX_ROWS})"))
                break
            if len(cells) != 2:
                errors.append(RowError(line, f"expected 2 fields (time, temperature), got {len(cells)}"))
                continue
            try:
                ts = _parse_time(cells[0].strip())
                temperature = _parse_temperature(cells[1].strip())
            except ValueError as exc:
                errors.append(RowError(line, str(exc)))
                continue
            if ts in seen:
                errors.append(RowError(line, f"time {cells[0].strip()} already on line {seen[ts]}"))
                continue
            seen[ts] = line
            rows.append(Observation(ts, temperature))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, f"unreadable CSV: {exc}"))
    if not rows and not errors:
        errors.append(RowError(2, "no observations after the header"))
    return WeatherCsv(rows, errors)


class WeatherBook:
    """Stations' observations and sites' weather sources in the registry database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def import_observations(self, tenant_id: int, station: str, rows: Sequence[Observation]) -> int:
        """Store observations; one already stored at the same time is replaced."""
        t = weather_observations
        with database_errors("weather import"), self.engine.begin() as conn:
            times = [r.ts for r in rows]
            for chunk in range(0, len(times), 500):
                conn.execute(
                    delete(t).where(
                        t.c.tenant_id == tenant_id,
                        t.c.station == station,
                        t.c.ts.in_(times[chunk : chunk + 500]),
                    )
                )
            if rows:
                conn.execute(
                    insert(t),
                    [
                        {"tenant_id": tenant_id, "station": station, "ts": r.ts, "temperature": r.temperature}
                        for r in rows
                    ],
                )
        return len(rows)

    def observations(
        self, tenant_id: int, station: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, float]]:
        """A station's observations with start <= ts < end, in time order."""
        t = weather_observations
        query = (
            select(t.c.ts, t.c.temperature)
            .where(t.c.tenant_id == tenant_id, t.c.station == station, t.c.ts >= start, t.c.ts < end)
            .order_by(t.c.ts)
        )
        with database_errors("weather read"), self.engine.connect() as conn:
            return [(r.ts, r.temperature) for r in conn.execute(query)]

    def stations(self, tenant_id: int) -> list[tuple[str, int, datetime, datetime]]:
        """A tenant's stations: name, observations, first and last time."""
        t = weather_observations
        query = (
            select(t.c.station, func.count(), func.min(t.c.ts), func.max(t.c.ts))
            .where(t.c.tenant_id == tenant_id)
            .group_by(t.c.station)
            .order_by(t.c.station)
        )
        with database_errors("weather read"), self.engine.connect() as conn:
            rows = conn.execute(query).all()
        # aggregates bypass the column type: SQLite hands back naive UTC (or text)
        return [(r[0], int(r[1]), _aware(r[2]), _aware(r[3])) for r in rows]

    def has_station(self, tenant_id: int, station: str) -> bool:
        t = weather_observations
        query = select(t.c.ts).where(t.c.tenant_id == tenant_id, t.c.station == station).limit(1)
        with database_errors("weather read"), self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def source(self, site_id: int) -> WeatherSource:
        t = site_weather
        with database_errors("weather read"), self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.site_id == site_id)).first()
        return WeatherSource() if row is None else WeatherSource(station=row.station, dev_eui=row.dev_eui)

    def set_source(self, site_id: int, source: WeatherSource) -> None:
        t = site_weather
        with database_errors("weather update"), self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.site_id == site_id))
            conn.execute(
                insert(t).values(
                    site_id=site_id,
                    station=source.station,
                    dev_eui=source.dev_eui,
                    updated_at=datetime.now(UTC),
                )
            )


def _aware(value: datetime | str) -> datetime:
    ts = datetime.fromisoformat(value) if isinstance(value, str) else value
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
