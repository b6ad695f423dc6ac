"""The API's documentation works without the network and documents what the API reads: its pages
load assets from releve itself, /api/v1 says where everything is, and every request body is
described (the CSV imports included, so that "Try it out" can send a file)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient

from domain.consumption.open_schemas import OPEN_QUANTITIES, OpenQuantity
from kernel.settings import Settings
from registry import Role
from releve.services import web_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(web_app(Settings(data_dir=tmp_path))) as c:
        yield c


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_pages_load_only_what_releve_serves(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert assets and all(a.startswith("/docs-assets/") for a in assets), assets
    assert "https://" not in r.text and "http://" not in r.text  # no CDN, no web font
    # and what the bundles would fetch on their own (a logo, a validator badge), the browser refuses
    policy = r.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:;" in policy
    if page == "/docs":
        assert '"validatorUrl": null' in r.text
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 1000, asset


def test_api_v1_says_where_the_documentation_is(client: TestClient) -> None:
    index = client.get("/api/v1")
    assert index.status_code == 200  # no key
    links = index.json()
    assert (links["docs"], links["redoc"], links["openapi"]) == ("/docs", "/redoc", "/openapi.json")
    for key in ("docs", "redoc", "openapi", "open_data_catalog", "health"):
        assert client.get(links[key]).status_code == 200, key
    for alias, target in (
        ("/api/v1/docs", "/docs"),
        ("/api/v1/redoc", "/redoc"),
        ("/api/v1/openapi.json", "/openapi.json"),
    ):
        moved = client.get(alias, follow_redirects=False)
        assert moved.status_code == 307 and moved.headers["location"] == target


def _operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path][method]
    return operation


def test_every_request_body_is_documented_the_csv_imports_as_files(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            # (acknowledging an alert and ignoring a heard device are actions on their path alone)
            if method in ("post", "put", "patch") and not path.endswith(("/acknowledge", "/ignored")):
                assert "requestBody" in operation, f"{method.upper()} {path} documents no body"
    for path in ("/api/v1/devices/import", "/api/v1/weather/{station}/import"):
        body = _operation(spec, path, "post")["requestBody"]
        assert body["required"] is True
        assert body["content"]["text/csv"]["schema"] == {
            "type": "string",
            "format": "binary",
            "contentMediaType": "text/csv",
        }


def test_the_csv_import_reads_the_documented_body(client: TestClient) -> None:
    state = client.app.state.releve  # type: ignore[attr-defined]
    _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.OPERATOR, "ops")
    r = client.post(
        "/api/v1/devices/import?dry_run=true",
        content=b"dev_eui,name,model,site\na81758fffe0d0001,Compteur,netvox/r718h,Mairie\n",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["dry_run"], body["created"], body["errors"], body["encoding"]) == (True, 1, [], "utf-8")
    assert [(row["action"], row["dev_eui"]) for row in body["rows"]] == [("created", "a81758fffe0d0001")]


def test_the_open_data_is_documented_with_its_media_types_and_quantities(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    catalog = _operation(spec, "/api/v1/open/catalog", "get")
    assert set(catalog["responses"]["200"]["content"]) == {"application/ld+json"}
    assert "security" not in catalog  # public
    csv_op = _operation(spec, "/api/v1/open/{tenant}/consumption.csv", "get")
    assert set(csv_op["responses"]["200"]["content"]) == {"text/csv"}
    assert "304" in csv_op["responses"]
    quantity = next(p for p in csv_op["parameters"] if p["name"] == "quantity")
    assert quantity["schema"]["anyOf"][0]["enum"] == list(OPEN_QUANTITIES)
    assert get_args(OpenQuantity) == tuple(OPEN_QUANTITIES)
