"""The production store: InfluxDB through its v1 HTTP API (``/write`` line protocol, ``/query`` InfluxQL).

InfluxDB 1.x serves this API natively, 2.x through its v1 compatibility endpoints (token auth, a
database/retention-policy mapping), 3.x through its v1 write and query API; see docs/store.md.

Schema (series cardinality = devices x quantities x channels, never values or times in tags):
- ``reading`` in the raw retention policy: tags ``dev_eui``, ``quantity``, ``channel`` (absent
  when empty), ``kind``; fields ``value``, ``delta``, ``f_cnt``, ``uplink_id``. The unit is
  implied by the quantity.
- ``rollup_1h`` in the long retention policy: same tags (no kind); fields ``count``,
  ``consumption`` (sum of deltas), ``min``, ``max``, ``sum``, ``first``, ``last``, recomputed from
  the raw points for the hours each write touches (so late and repeated points are right).
"""

from __future__ import annotations

import gzip
import logging
import time
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from decoders import CANONICAL_UNITS, Quantity
from ingest.errors import BadStoreUrl, StoreRejected, StoreUnavailable
from ingest.lineprotocol import point, precision_ns, quote_ident, quote_str, series_key, timestamp
from ingest.open_hours import HourKey, HourStats, OpenHours
from ingest.rollup import HourRollup, fold
from ingest.store import Bucket, Window
from releve.types import Reading

log = logging.getLogger(__name__)

_HOUR_NS = 3600 * 1_000_000_000
_OR_CHUNK = 200
# Touched hours further apart than this are recomputed by separate queries, so that a batch
# holding one reading from last month does not make InfluxDB group a month of raw points.
_SPAN_GAP_NS = 24 * _HOUR_NS
_WARN_EVERY_S = 60.0
_SERIES_CACHE = 100_000


def _ns(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value // 1000)


class InfluxStore:
    """The Store protocol on an InfluxDB v1 HTTP API."""

    def __init__(
        self,
        base_url: str,
        database: str,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        raw_rp: str = "raw",
        rollup_rp: str = "rollups",
        precision: str = "ns",
        raw_retention_days: int | None = None,
        create: bool = True,
        batch_size: int = 5000,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        precision_ns(precision)
        self.base_url = base_url
        self.database = database
        self.raw_rp = raw_rp
        self.rollup_rp = rollup_rp
        self.precision = precision
        self.batch_size = batch_size
        self.dropped_beyond_retention = 0
        self._warned_at = -_WARN_EVERY_S
        self._series: dict[tuple[str, str, str, str, str], str] = {}
        self._open_hours = OpenHours()
        headers = {"Authorization": f"Token {token}"} if token else {}
        auth = (username, password or "") if username and not token else None
        self._client = httpx.Client(
            base_url=base_url, headers=headers, auth=auth, timeout=timeout, transport=transport
        )
        if create:
            self._create(raw_retention_days)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        raw_retention_days: int | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> InfluxStore:
        """``influxdb[s]://[user:pass@]host:port/database[?token=&rp=&rollup_rp=&precision=&create=]``."""
        parts = urlsplit(url)
        database = parts.path.strip("/")
        if not parts.hostname or not database:
            raise BadStoreUrl(f"expected influxdb://host:port/database, got {url!r}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        scheme = "https" if parts.scheme == "influxdbs" else "http"
        try:
            port = parts.port or 8086
        except ValueError as exc:
            raise BadStoreUrl(f"bad port in {url!r}") from exc
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return cls(
            f"{scheme}://{host}:{port}",
            database,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            token=query.get("token"),
            raw_rp=query.get("rp", "raw"),
            rollup_rp=query.get("rollup_rp", "rollups"),
            precision=query.get("precision", "ns"),
            raw_retention_days=raw_retention_days,
            create=query.get("create", "true").lower() != "false",
            timeout=timeout,
            transport=transport,
        )

    # -- HTTP boundary: every httpx error and non-2xx answer is translated here ------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"InfluxDB unreachable: {exc}") from exc
        if response.status_code >= 500:
            raise StoreUnavailable(f"InfluxDB error {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            raise StoreRejected(f"InfluxDB refused ({response.status_code}): {response.text[:300]}")
        return response

    def _query(self, q: str, *, write: bool = False) -> list[dict[str, Any]]:
        params = {"db": self.database, "q": q, "epoch": "ns"}
        response = self._request("POST" if write else "GET", "/query", params=params)
        try:
            results = response.json().get("results", [])
        except ValueError as exc:
            raise StoreRejected(f"InfluxDB answered something else than JSON: {response.text[:200]}") from exc
        series: list[dict[str, Any]] = []
        for result in results:
            if "error" in result:
                raise StoreRejected(f"InfluxQL error: {result['error']}")
            series.extend(result.get("series", []))
        return series

    def _create(self, raw_retention_days: int | None) -> None:
        raw = f"{raw_retention_days}d" if raw_retention_days else "INF"
        db = quote_ident(self.database)
        statements = [
            f"CREATE DATABASE {db}",
            f"CREATE RETENTION POLICY {quote_ident(self.raw_rp)} ON {db} DURATION {raw} "
            "REPLICATION 1 DEFAULT",
            f"ALTER RETENTION POLICY {quote_ident(self.raw_rp)} ON {db} DURATION {raw}",
            f"CREATE RETENTION POLICY {quote_ident(self.rollup_rp)} ON {db} DURATION INF REPLICATION 1",
        ]
        for statement in statements:
            try:
                self._query(statement, write=True)
            except StoreRejected as exc:
                # InfluxDB 2.x/3.x manage buckets themselves (docs/store.md): not fatal.
                log.warning("could not run %r (%s); assuming the database is prepared", statement, exc)

    def _write(self, lines: Iterable[str], rp: str) -> None:
        body = "\n".join(lines).encode()
        if not body:
            return
        self._request(
            "POST",
            "/write",
            params={"db": self.database, "rp": rp, "precision": self.precision},
            content=gzip.compress(body, compresslevel=1),
            headers={"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"},
        )

    # -- the Store protocol ------------------------------------------------------------------------
    def write(self, readings: Sequence[Reading]) -> None:
        for i in range(0, len(readings), self.batch_size):
            batch = readings[i : i + self.batch_size]
            try:
                lines = [self._reading_line(r) for r in batch]
            except ValueError as exc:  # NaN, a tag the line protocol cannot carry
                raise StoreRejected(f"reading cannot be written to InfluxDB: {exc}") from exc
            try:
                self._write(lines, self.raw_rp)
            except StoreRejected as exc:
                # InfluxDB keeps the rest of a batch whose oldest points are past the raw
                # retention: like SQLite's prune, those are gone, the others need their rollups.
                if "beyond retention policy" not in str(exc):
                    raise
                self._note_dropped(str(exc))
                self._open_hours.forget()  # some of the batch is not stored: recompute from what is
            self._refresh_rollups(batch)

    def _note_dropped(self, message: str) -> None:
        dropped = message.rpartition("dropped=")[2].split()[0].strip('"}') if "dropped=" in message else "1"
        self.dropped_beyond_retention += int(dropped) if dropped.isdigit() else 1
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            log.warning(
                "InfluxDB dropped readings older than the raw retention (%d so far)",
                self.dropped_beyond_retention,
            )

    def share_writes(self) -> None:
        """Other processes write the same series (bridge workers on a shared subscription): every
        hour a write touches is recomputed from the stored points, none folded in memory."""
        self._open_hours = OpenHours(ttl_s=-1.0)

    def _series_of(self, measurement: str, dev_eui: str, quantity: str, channel: str, kind: str) -> str:
        """A series' measurement and tags in line protocol, escaped once (it was a tenth of the time)."""
        key = (measurement, dev_eui, quantity, channel, kind)
        series = self._series.get(key)
        if series is None:
            if len(self._series) > _SERIES_CACHE:
                self._series.clear()
            tags = {"dev_eui": dev_eui, "quantity": quantity, "channel": channel, "kind": kind}
            series = self._series[key] = series_key(measurement, tags)
        return series

    def _reading_line(self, r: Reading) -> str:
        return point(
            self._series_of("reading", r.dev_eui, r.quantity, r.channel, r.kind),
            {"value": float(r.value), "delta": r.delta, "f_cnt": r.f_cnt, "uplink_id": r.uplink_id},
            r.ts,
            self.precision,
        )

    def _refresh_rollups(self, batch: Sequence[Reading]) -> None:
        """Bring the hours this batch touched up to date: in memory where this writer holds them
        (``OpenHours``), else recomputed from the raw points, in one query per device set."""
        stats, rest = self._open_hours.fold(batch)
        if rest:
            hours = [timestamp(r.ts) - timestamp(r.ts) % _HOUR_NS for r in rest]
            touched = {(r.dev_eui, r.quantity, r.channel, h) for r, h in zip(rest, hours, strict=True)}
            recomputed: dict[HourKey, HourStats] = {}
            for start, end, euis in _spans(touched):
                recomputed.update(self._recompute(start, end, euis, touched))
            self._open_hours.seed(rest, recomputed)
            stats.update(recomputed)
        lines = [
            point(
                self._series_of("rollup_1h", eui, quantity, channel, ""),
                {
                    "count": h.count,
                    "consumption": _float(h.consumption),
                    "min": _float(h.min),
                    "max": _float(h.max),
                    "sum": _float(h.total),
                    "first": _float(h.first),
                    "last": _float(h.last),
                },
                hour,
            )
            for (eui, quantity, channel, hour), h in stats.items()
        ]
        if lines:
            self._request(
                "POST",
                "/write",
                params={"db": self.database, "rp": self.rollup_rp, "precision": "ns"},
                content=gzip.compress("\n".join(lines).encode(), compresslevel=1),
                headers={"Content-Encoding": "gzip"},
            )

    def _recompute(
        self, start: int, end: int, euis: Sequence[str], touched: set[HourKey]
    ) -> dict[HourKey, HourStats]:
        out: dict[HourKey, HourStats] = {}
        for chunk in _chunks(euis):
            series = self._query(
                "SELECT count(value), sum(delta), min(value), max(value), sum(value), "
                "first(value), last(value) "
                f"FROM {self._raw} WHERE ({_any('dev_eui', chunk)}) AND time >= {start} AND time < {end} "
                "GROUP BY time(1h), dev_eui, quantity, channel fill(none)"
            )
            for s in series:
                tags = s.get("tags", {})
                for t, count, consumption, vmin, vmax, total, first, last in s.get("values", []):
                    key = (tags.get("dev_eui", ""), tags.get("quantity", ""), tags.get("channel", ""), t)
                    if key not in touched or not count:
                        continue
                    out[key] = HourStats(
                        int(count),
                        _float(consumption),
                        float(vmin),
                        float(vmax),
                        float(total),
                        float(first),
                        float(last),
                    )
        return out

    def delete(self, dev_eui: str, points: Collection[tuple[str, str, datetime]]) -> None:
        """InfluxQL DELETE of each point, then of its hour's rollup, recomputed from what remains."""
        self._open_hours.forget(dev_eui)
        for quantity, channel, ts in points:
            t = timestamp(ts)
            hour = t - t % _HOUR_NS
            where = f"dev_eui = {quote_str(dev_eui)} AND quantity = {quote_str(quantity)}"
            if channel:
                where += f" AND channel = {quote_str(channel)}"
            self._query(f'DELETE FROM "reading" WHERE {where} AND time >= {t} AND time <= {t}', write=True)
            self._query(
                f'DELETE FROM "rollup_1h" WHERE {where} AND time >= {hour} AND time <= {hour}', write=True
            )
        if points:
            survivors = [
                r
                for quantity, channel, ts in points
                for r in self.query(
                    dev_eui,
                    datetime.fromtimestamp((timestamp(ts) - timestamp(ts) % _HOUR_NS) / 1e9, UTC),
                    datetime.fromtimestamp((timestamp(ts) - timestamp(ts) % _HOUR_NS + _HOUR_NS) / 1e9, UTC),
                    [quantity],
                )
                if r.channel == channel
            ]
            if survivors:
                self._refresh_rollups(survivors)

    @property
    def _raw(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.raw_rp)}."reading"'

    @property
    def _rollups(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.rollup_rp)}."rollup_1h"'

    def query(
        self, dev_eui: str, start: datetime, end: datetime, quantities: Collection[str] | None = None
    ) -> list[Reading]:
        where = f"dev_eui = {quote_str(dev_eui)} AND time >= {timestamp(start)} AND time < {timestamp(end)}"
        if quantities is not None:
            if not quantities:
                return []
            where += f" AND ({_any('quantity', sorted(quantities))})"
        out = []
        for s in self._query(f"SELECT * FROM {self._raw} WHERE {where}"):
            out.extend(_readings(s))
        return sorted(out, key=lambda r: (r.ts, r.quantity, r.channel))

    def aggregate(
        self,
        dev_eui: str,
        quantity: str,
        start: datetime,
        end: datetime,
        window: Window,
        tz: str,
        channel: str = "",
    ) -> list[Bucket]:
        first_hour = timestamp(start) - timestamp(start) % _HOUR_NS
        series = self._query(
            f'SELECT "count", "consumption", "min", "max", "sum", "first", "last" FROM {self._rollups} '
            f"WHERE dev_eui = {quote_str(dev_eui)} AND quantity = {quote_str(quantity)} "
            f"AND channel = {quote_str(channel)} AND time >= {first_hour} AND time < {timestamp(end)}"
        )
        hours = [
            HourRollup(
                _ns(t),
                int(count),
                _float(consumption),
                float(vmin),
                float(vmax),
                float(total),
                float(first),
                float(last),
            )
            for s in series
            for t, count, consumption, vmin, vmax, total, first, last in s.get("values", [])
        ]
        return list(fold(sorted(hours, key=lambda h: h.hour), window, tz))

    def latest(self, dev_euis: Collection[str] | None = None) -> list[Reading]:
        if dev_euis is not None and not dev_euis:
            return []
        chunks = [None] if dev_euis is None else _chunks(sorted(set(dev_euis)))
        out = []
        for chunk in chunks:
            where = f"WHERE ({_any('dev_eui', chunk)}) " if chunk else ""
            for s in self._query(f"SELECT * FROM {self._raw} {where}GROUP BY * ORDER BY time DESC LIMIT 1"):
                out.extend(_readings(s))
        # ``kind`` is a tag: a series whose kind changed (a model fix) has two InfluxDB series.
        newest: dict[tuple[str, str, str], Reading] = {}
        for r in out:
            key = (r.dev_eui, r.quantity, r.channel)
            if key not in newest or r.ts > newest[key].ts:
                newest[key] = r
        return sorted(newest.values(), key=lambda r: (r.dev_eui, r.quantity, r.channel))

    def prune(self, now: datetime) -> int:
        """Nothing to do: the raw retention policy expires old points inside InfluxDB."""
        return 0

    def close(self) -> None:
        self._client.close()


def _float(value: float | int | None) -> float | None:
    """InfluxDB's JSON writes 2.0 as 2: fields must stay floats, or a later write conflicts."""
    return None if value is None else float(value)


def _any(tag: str, values: Sequence[str]) -> str:
    return " OR ".join(f"{tag} = {quote_str(v)}" for v in values)


def _spans(touched: set[tuple[str, str, str, int]]) -> list[tuple[int, int, list[str]]]:
    """Touched hours as time spans (split at gaps of a day or more), each with its devices."""
    spans: list[tuple[int, int, list[str]]] = []
    start = end = 0
    euis: set[str] = set()
    for eui, _, _, hour in sorted(touched, key=lambda k: k[3]):
        if euis and hour - end >= _SPAN_GAP_NS:
            spans.append((start, end, sorted(euis)))
            euis = set()
        if not euis:
            start = hour
        end = hour + _HOUR_NS
        euis.add(eui)
    if euis:
        spans.append((start, end, sorted(euis)))
    return spans


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + _OR_CHUNK] for i in range(0, len(values), _OR_CHUNK)]


def _readings(series: dict[str, Any]) -> list[Reading]:
    columns = series.get("columns", [])
    tags = series.get("tags", {})
    out = []
    for values in series.get("values", []):
        row = {**tags, **dict(zip(columns, values, strict=True))}
        quantity = row.get("quantity") or ""
        try:
            unit = CANONICAL_UNITS[Quantity(quantity)]
        except ValueError:
            unit = ""
        out.append(
            Reading(
                dev_eui=row.get("dev_eui") or "",
                quantity=quantity,
                value=float(row["value"]),
                unit=unit,
                kind=row.get("kind") or "",
                ts=_ns(int(row["time"])),
                channel=row.get("channel") or "",
                f_cnt=row.get("f_cnt"),
                uplink_id=row.get("uplink_id"),
                delta=_float(row.get("delta")),
            )
        )
    return out
