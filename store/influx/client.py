"""InfluxDB's v1 HTTP API (``/write`` line protocol, ``/query`` InfluxQL): the one place that talks
HTTP to it. Every httpx error and non-2xx answer is translated here into ``store.errors``; the
answers' series are read back as releve's values (readings, rollups, series keys)."""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from decoders import CANONICAL_UNITS, Quantity
from kernel.types import Reading, SeriesKey
from store.errors import BadStoreUrl, StoreRejected, StoreUnavailable
from store.influx.lineprotocol import as_float, from_ns, precision_ns, quote_ident
from store.influx.open_hours import HourStats

log = logging.getLogger(__name__)

PARALLEL = 4  # read requests side by side


class Connection(TypedDict, total=False):
    """How to reach and write a database: credentials (a user and password, or a token for
    InfluxDB 2.x/3.x), the raw and rollup retention policies, the write precision, the timeout."""

    username: str | None
    password: str | None
    token: str | None
    raw_rp: str  # "raw"
    rollup_rp: str  # "rollups"
    precision: str  # "ns"
    timeout: float  # 30 s
    transport: httpx.BaseTransport | None


@dataclass(frozen=True, slots=True)
class InfluxUrl:
    """What a store URL says: the server, the database, how to reach it, whether to create it."""

    base_url: str
    database: str
    connection: Connection
    create: bool


def parse_url(url: str) -> InfluxUrl:
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
    connection: Connection = {
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "token": query.get("token"),
        "raw_rp": query.get("rp", "raw"),
        "rollup_rp": query.get("rollup_rp", "rollups"),
        "precision": query.get("precision", "ns"),
    }
    create = query.get("create", "true").lower() != "false"
    return InfluxUrl(f"{scheme}://{host}:{port}", database, connection, create)


class InfluxClient:
    """One database of an InfluxDB server: its retention policies, measurements and requests."""

    def __init__(self, base_url: str, database: str, **connection: Unpack[Connection]) -> None:
        token = connection.get("token")
        username, password = connection.get("username"), connection.get("password")
        precision = connection.get("precision", "ns")
        precision_ns(precision)
        self.base_url = base_url
        self.database = database
        self.raw_rp = connection.get("raw_rp", "raw")
        self.rollup_rp = connection.get("rollup_rp", "rollups")
        self.precision = precision
        self._pool: ThreadPoolExecutor | None = None
        headers = {"Authorization": f"Token {token}"} if token else {}
        auth = (username, password or "") if username and not token else None
        self._client = httpx.Client(
            base_url=base_url,
            headers=headers,
            auth=auth,
            timeout=connection.get("timeout", 30.0),
            transport=connection.get("transport"),
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"InfluxDB unreachable: {exc}") from exc
        if response.status_code >= 500:
            raise StoreUnavailable(f"InfluxDB error {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            raise StoreRejected(f"InfluxDB refused ({response.status_code}): {response.text[:300]}")
        return response

    def query(self, q: str, *, write: bool = False) -> list[dict[str, Any]]:
        """The series of every statement of ``q``, each with its ``statement_id``."""
        params = {"db": self.database, "epoch": "ns"}
        if len(q) > 2000:  # long statements go in a form body (URLs have limits)
            response = self.request("POST", "/query", params=params, data={"q": q})
        else:
            response = self.request("POST" if write else "GET", "/query", params={**params, "q": q})
        try:
            results = response.json().get("results", [])
        except ValueError as exc:
            raise StoreRejected(f"InfluxDB answered something else than JSON: {response.text[:200]}") from exc
        series: list[dict[str, Any]] = []
        for result in results:
            if "error" in result:
                raise StoreRejected(f"InfluxQL error: {result['error']}")
            for one in result.get("series", []):
                one["statement_id"] = result.get("statement_id", 0)
                series.append(one)
        return series

    def query_many(self, queries: Sequence[str]) -> list[list[dict[str, Any]]]:
        """Several read requests at once (InfluxDB runs each request's statements one after the
        other, but requests side by side), results in order."""
        if len(queries) <= 1:
            return [self.query(q) for q in queries]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="influx-read")
        return list(self._pool.map(self.query, queries))

    def create(self, raw_retention_days: int | None) -> None:
        raw = f"{raw_retention_days}d" if raw_retention_days else "INF"
        db = quote_ident(self.database)
        statements = [
            f"CREATE DATABASE {db}",
            f"CREATE RETENTION POLICY {quote_ident(self.raw_rp)} ON {db} DURATION {raw} "
            "REPLICATION 1 DEFAULT",
            f"ALTER RETENTION POLICY {quote_ident(self.raw_rp)} ON {db} DURATION {raw}",
            # Rollups are few points per series (9,000 a year): year-long shards, so that a report
            # over a year opens one shard per series, not 52 (the default for an infinite policy).
            f"CREATE RETENTION POLICY {quote_ident(self.rollup_rp)} ON {db} DURATION INF REPLICATION 1 "
            "SHARD DURATION 52w",
            f"ALTER RETENTION POLICY {quote_ident(self.rollup_rp)} ON {db} SHARD DURATION 52w",
        ]
        for statement in statements:
            try:
                self.query(statement, write=True)
            except StoreRejected as exc:
                # InfluxDB 2.x/3.x manage buckets themselves (docs/store.md): not fatal.
                log.warning("could not run %r (%s); assuming the database is prepared", statement, exc)

    def write(self, lines: Iterable[str], rp: str, precision: str | None = None) -> None:
        body = "\n".join(lines).encode()
        if not body:
            return
        self.request(
            "POST",
            "/write",
            params={"db": self.database, "rp": rp, "precision": precision or self.precision},
            content=gzip.compress(body, compresslevel=1),
            headers={"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"},
        )

    @property
    def raw(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.raw_rp)}."reading"'

    @property
    def rollups(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.rollup_rp)}."rollup_1h"'

    @property
    def days(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.rollup_rp)}."rollup_1d"'

    @property
    def months(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.rollup_rp)}."rollup_1mo"'

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._client.close()


def series_of(s: dict[str, Any]) -> SeriesKey:
    """The series of a query's result grouped by dev_eui, quantity and channel."""
    tags = s.get("tags", {})
    return SeriesKey(tags.get("dev_eui", ""), tags.get("quantity", ""), tags.get("channel", ""))


def stats_of(*values: Any) -> HourStats:
    """A rollup as InfluxDB returns it: count, consumption, min, max, sum, first, last."""
    count, consumption, vmin, vmax, total, first, last = values
    return HourStats(
        int(count), as_float(consumption), float(vmin), float(vmax), float(total), float(first), float(last)
    )


def readings_of(series: dict[str, Any]) -> list[Reading]:
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
                ts=from_ns(int(row["time"])),
                channel=row.get("channel") or "",
                f_cnt=row.get("f_cnt"),
                uplink_id=row.get("uplink_id"),
                delta=as_float(row.get("delta")),
            )
        )
    return out
