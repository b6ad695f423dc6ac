"""The open data over real HTTP (uvicorn), as a harvester and a re-user's web page fetch it: the
catalog's distribution URLs, each answered with and without an Origin header, a CORS preflight,
HEAD (a link checker) and a conditional GET (a harvester polling)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kernel.settings import Settings
from releve.broker import free_port
from releve.services import close_state, open_state
from tests.servers import api_server
from tests.unit.api.open_world import populate

pytestmark = pytest.mark.integration

ORIGIN = "https://carte-conso.example.org"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("open"), api_port=free_port(), open_data_min_group=3)
    state = open_state(settings)
    try:
        populate(state, datetime.now(UTC))
        with api_server(settings, state) as url:
            yield url
    finally:
        close_state(state)


def _urls(catalog: dict[str, Any]) -> list[str]:
    return [
        d["dcat:downloadURL"]["@id"]
        for dataset in catalog["dcat:dataset"]
        for d in dataset["dcat:distribution"]
    ]


def test_every_distribution_answers_any_origin_head_and_conditional_get(base: str) -> None:
    with httpx.Client(timeout=10) as http:
        plain = http.get(f"{base}/api/v1/open/catalog")
        assert plain.status_code == 200 and plain.headers["content-type"] == "application/ld+json"
        assert plain.headers["access-control-allow-origin"] == "*"
        urls = _urls(plain.json())
        assert len(urls) >= 6 and all(u.startswith(base) for u in urls)  # the address it was asked at
        for url in [f"{base}/api/v1/open/catalog", *urls]:
            anonymous = http.get(url)
            cross = http.get(url, headers={"Origin": ORIGIN})
            assert anonymous.status_code == cross.status_code == 200, url
            assert anonymous.content == cross.content and len(cross.content) > 50
            assert cross.headers["access-control-allow-origin"] == "*"
            assert "ETag" in cross.headers["access-control-expose-headers"]

            head = http.head(url, headers={"Origin": ORIGIN})
            assert head.status_code == 200 and head.content == b""
            assert head.headers["content-length"] == str(len(anonymous.content))
            assert head.headers["etag"] == anonymous.headers["etag"]

            polled = http.get(url, headers={"If-None-Match": anonymous.headers["etag"]})
            assert polled.status_code == 304 and polled.content == b""

            preflight = http.options(
                url,
                headers={
                    "Origin": ORIGIN,
                    "Access-Control-Request-Method": "GET",
                    "Access-Control-Request-Headers": "If-None-Match",
                },
            )
            assert preflight.status_code == 204
            assert preflight.headers["access-control-allow-origin"] == "*"


def test_the_keyed_api_gives_no_cors_grant_over_http(base: str) -> None:
    r = httpx.get(f"{base}/api/v1/sites", headers={"Origin": ORIGIN})
    assert r.status_code == 401 and "access-control-allow-origin" not in r.headers
    preflight = httpx.options(
        f"{base}/api/v1/sites", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_the_csv_reads_as_utf8_with_its_file_name(base: str) -> None:
    r = httpx.get(f"{base}/api/v1/open/town/consumption.csv")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.encoding == "utf-8" and "École" in r.text
    name = r.headers["content-disposition"].split("filename=")[1].strip('"')
    assert name.startswith("town-consommations-") and name.endswith(".csv")
