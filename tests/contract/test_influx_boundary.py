"""The InfluxDB backend's HTTP boundary on httpx's mock transport: URLs, auth, gzip, errors."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kernel.types import Reading
from store.errors import BadStoreUrl, StoreRejected, StoreUnavailable
from store.influx.store import InfluxStore
from store.open import open_store
from store.sqlite import SqliteStore

T = datetime(2026, 5, 10, 6, 0, 1, tzinfo=UTC)
READING = Reading("0102030405060708", "temperature", 21.5, "degC", "instantaneous", T, channel="a b")

Handler = Callable[[httpx.Request], httpx.Response]


def recording(requests: list[httpx.Request], write_status: int = 204, text: str = "") -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        requests.append(request)
        if request.url.path == "/write":
            return httpx.Response(write_status, text=text)
        return httpx.Response(200, json={"results": [{"statement_id": 0}]})

    return handle


def open_influx(url: str, handler: Handler) -> InfluxStore:
    store = InfluxStore.from_url(url, transport=httpx.MockTransport(handler))
    return store


def test_url_forms() -> None:
    store = open_influx(
        "influxdbs://u%40town:p%2Fw@influx.example:8443/releve?rp=raw30&rollup_rp=keep&precision=s&create=false",
        recording([]),
    )
    assert store.client.base_url == "https://influx.example:8443"
    assert (store.client.database, store.client.raw_rp, store.client.rollup_rp, store.client.precision) == (
        "releve",
        "raw30",
        "keep",
        "s",
    )
    assert (
        open_influx("influxdb://[::1]/db?create=false", recording([])).client.base_url == "http://[::1]:8086"
    )
    for bad in ("influxdb://host:8086/", "influxdb:///db", "postgres://x/y", "sqlite://relative.db"):
        with pytest.raises(BadStoreUrl):
            open_store(bad)
    with pytest.raises(ValueError):
        open_influx("influxdb://host/db?precision=h&create=false", recording([]))


def test_sqlite_url(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/data/readings.db", raw_retention_days=7)
    assert isinstance(store, SqliteStore) and store.raw_retention_days == 7
    assert (tmp_path / "data" / "readings.db").exists()
    store.close()


def test_token_auth_gzip_body_and_precision() -> None:
    requests: list[httpx.Request] = []
    store = open_influx("influxdb://h:8086/releve?token=s3cret&precision=s&create=false", recording(requests))
    store.write([READING])
    writes = [n for n, r in enumerate(requests) if r.url.path == "/write"]
    write = requests[writes[0]]
    assert write.headers["Authorization"] == "Token s3cret"
    assert write.headers["Content-Encoding"] == "gzip"
    assert dict(write.url.params) == {"db": "releve", "rp": "raw", "precision": "s"}
    body = gzip.decompress(write.content).decode()
    assert (
        body
        == r"reading,channel=a\ b,dev_eui=0102030405060708,kind=instantaneous,quantity=temperature"
        + (" value=21.5 1778392801")
    )
    # Before the write, the series' newest stored point is asked; the store holds none, so its
    # hour is folded from this point alone: no recomputation from the stored points.
    asked = [r.url.params["q"] for r in requests[: writes[0]]]
    assert asked and all("dev_eui = '0102030405060708'" in q for q in asked)
    assert not any("GROUP BY time(1h)" in r.url.params.get("q", "") for r in requests)


def test_user_password_auth_and_creation_statements() -> None:
    requests: list[httpx.Request] = []
    InfluxStore.from_url(
        "influxdb://admin:pw@h/releve",
        raw_retention_days=400,
        transport=httpx.MockTransport(recording(requests)),
    )
    assert requests[0].headers["Authorization"].startswith("Basic ")
    statements = [r.url.params["q"] for r in requests]
    assert statements[0] == 'CREATE DATABASE "releve"'
    assert "DURATION 400d REPLICATION 1 DEFAULT" in statements[1]
    assert all(r.method == "POST" for r in requests)


def test_query_quotes_what_it_is_given() -> None:
    requests: list[httpx.Request] = []
    store = open_influx("influxdb://h/releve?create=false", recording(requests))
    store.query("x' OR '1'='1", T, T, quantities=["a'b"])
    q = requests[0].url.params["q"]
    assert r"dev_eui = 'x\' OR \'1\'=\'1'" in q and r"quantity = 'a\'b'" in q
    assert requests[0].url.params["epoch"] == "ns"


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, StoreUnavailable), (503, StoreUnavailable), (400, StoreRejected), (401, StoreRejected)],
)
def test_http_errors_are_translated(status: int, error: type[Exception]) -> None:
    store = open_influx("influxdb://h/releve?create=false", recording([], status, '{"error":"nope"}'))
    with pytest.raises(error, match="nope"):
        store.write([READING])


def test_unreachable_server_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    store = open_influx("influxdb://h/releve?create=false", refuse)
    with pytest.raises(StoreUnavailable):
        store.latest()


def test_influxql_errors_are_rejections() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": [{"statement_id": 0, "error": "database not found: x"}]})

    store = open_influx("influxdb://h/x?create=false", handle)
    with pytest.raises(StoreRejected, match="database not found"):
        store.query("0102030405060708", T, T)
