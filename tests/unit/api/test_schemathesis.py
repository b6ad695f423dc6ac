"""Schemathesis against the app (in-process, ASGI) on a seeded registry with the owner's admin key.

Every operation gets valid and invalid requests generated from the OpenAPI schema, half of them
on objects that exist (the seeded device, site, metering point, publisher); the API must never
answer 5xx and every answer must conform to the schema (status, content type, body, headers).
Destructive operations (key revocation, erasure) are left out; their own tests cover them.
``RELEVE_FUZZ_EXAMPLES`` sets the examples per operation and kind (20: about 40 s; 150 passes too).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from ingest.archive import Archive
from ingest.pipeline import Ingestor
from kernel.settings import Settings
from kernel.types import Lns, Uplink
from registry import Device, Role
from releve.services import close_state, open_state

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES = int(os.environ.get("RELEVE_FUZZ_EXAMPLES", "20"))
EUI = "a000000000000001"


def r718h(pulses: int) -> bytes:
    return bytes([0x01, 0x1F, 0x01, 36]) + pulses.to_bytes(2, "big") + bytes(5)


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[FastAPI, str, dict[str, object]]]:
    settings_ = Settings(data_dir=tmp_path)
    state = open_state(settings_)
    app = create_app(settings_, state)
    app.state.releve = state  # the ASGI transport sends no lifespan events
    reg = state.registry
    town = reg.owner_tenant()
    hlm = reg.ensure_tenant("hlm", "Bailleur")
    site = reg.ensure_site(town.id, "mairie", "Mairie", floor_area_m2=300.0, latitude=48.1, longitude=-1.6)
    reg.ensure_site(town.id, "ecole", "École", open_data=True, use="school")
    reg.ensure_site(hlm.id, "residence", "Résidence", use="housing", open_data=True)
    reg.add_devices(
        [
            Device(
                EUI,
                town.id,
                "eau mairie",
                "netvox/r718h",
                site_id=site.id,
                metering_point="eau",
                pulse_quantity="water_volume",
                pulse_weight=0.001,
                register_max=65536,
                purpose="eau",
                installed_at=date(2025, 1, 1),
            )
        ]
    )
    ingestor = Ingestor(reg, Archive(reg.engine), state.store)
    t0 = datetime.now(UTC) - timedelta(days=3)
    frames = [
        Uplink(EUI, 6, n, r718h(1000 + 7 * n), t0 + timedelta(minutes=30 * n), Lns.CHIRPSTACK_V4)
        for n in range(100)
    ]
    unknown = Uplink("ffffffffffffffff", 6, 1, r718h(1), t0, Lns.CHIRPSTACK_V4)
    ingestor.process(ingestor.accept([(f, "town") for f in [*frames, unknown]]))
    _, token = reg.create_key(town.id, Role.ADMIN, "fuzz")
    known: dict[str, object] = {
        "dev_eui": EUI,
        "site_id": site.id,
        "point": "eau",
        "tenant": "town",
        "alert_id": 1,
        "station": "rennes",
    }
    yield app, token, known
    close_state(state)


def test_no_server_error_and_every_answer_conforms(seeded: tuple[FastAPI, str, dict[str, object]]) -> None:
    app, token, known = seeded
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    tested = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        if operation.method.upper() == "DELETE":
            continue
        names = [p.name for p in operation.path_parameters]
        strategies = [
            operation.as_strategy(),
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        ]
        if names and all(n in known for n in names):
            strategies.append(operation.as_strategy(path_parameters={n: known[n] for n in names}))

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        tested += 1
        try:
            run()
        except BaseException as exc:  # hypothesis re-raises schemathesis' FailureGroup, an exception group
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[operation.label] = str(exc)[:1500]
    assert tested >= 30
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sites/{site_id}/consumption?window=year&end=9999-12-31T23:59:59Z",
        "/api/v1/devices/{dev_eui}/consumption?window=day&start=0001-01-01T00:00:00%2B14:00",
        "/api/v1/sites/{site_id}/points/eau/consumption?window=week&end=9999-12-31T23:59:59Z",
        "/api/v1/open/town/consumption.csv?end=9999-12-31T23:59:59Z",
        "/api/v1/usage?start=0001-01-01T00:00:00%2B14:00&end=9999-12-31T23:59:59-14:00",
        "/api/v1/usage?end=0001-01-01T00:00:00Z",
    ],
)
def test_times_out_of_range_are_refused_not_crashed(
    seeded: tuple[FastAPI, str, dict[str, object]], path: str
) -> None:
    app, token, known = seeded
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get(path.format(**known), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "times go from 1970-01-01 to 2200-01-01" in r.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/keys", '{"role": "viewer", "tenant_id": 9223372036854775808}'),
        ("/api/v1/sites", '{"name": "gymnase", "floor_area_m2": Infinity}'),
        (
            "/api/v1/devices",
            '{"dev_eui": "a000000000000002", "name": "x", "model": "netvox/r718h", '
            '"site": "Mairie", "pulse_quantity": "water_volume", "pulse_weight": NaN}',
        ),
    ],
)
def test_out_of_range_numbers_are_refused_not_crashed(
    seeded: tuple[FastAPI, str, dict[str, object]], path: str, body: str
) -> None:
    app, token, _ = seeded
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post(path, content=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
