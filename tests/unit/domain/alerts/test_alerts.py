"""Alert rules, each with hand-made evidence; and the alert book's open/refresh/close cycle."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from domain.alerts import AlertBook, AlertKind, Finding, Thresholds, Webhook
from domain.alerts.evaluate import battery_finding, leak_finding, link_finding, silent_finding
from registry import Device, open_registry

DEV = Device("0102030405060708", 1, "École - eau", "netvox/r718h", site_id=1, expected_interval_s=900)
TH = Thresholds()
NOW = datetime(2026, 6, 10, 9, tzinfo=UTC)


def nights(*minima: float | None) -> list[tuple[date, float | None]]:
    return [(date(2026, 6, 7) + timedelta(days=i), m) for i, m in enumerate(minima)]


def test_leak_needs_flow_every_night() -> None:
    finding = leak_finding(DEV, nights(0.012, 0.015, 0.011), TH)
    assert finding is not None and finding.kind is AlertKind.LEAK
    assert "12 L/h" not in finding.message and "11 L/h" in finding.message
    assert [n["min_m3h"] for n in finding.evidence["night_min_flow_m3h"]] == [0.012, 0.015, 0.011]
    assert leak_finding(DEV, nights(0.012, 0.0, 0.011), TH) is None  # one dry hour: no leak
    assert leak_finding(DEV, nights(0.012, None, 0.011), TH) is None  # missing data is not evidence
    assert leak_finding(DEV, nights(0.012, 0.02), TH) is None  # too few nights


def test_silent_after_three_intervals() -> None:
    assert silent_finding(DEV, NOW - timedelta(minutes=40), NOW, TH) is None
    finding = silent_finding(DEV, NOW - timedelta(minutes=50), NOW, TH)
    assert finding is not None and "15 min" in finding.message
    assert silent_finding(DEV, None, NOW, TH) is not None


def test_battery_and_link() -> None:
    assert battery_finding(DEV, 50, None, TH) is None
    low = battery_finding(DEV, 9, None, TH)
    assert low is not None and "9 %" in low.message
    assert battery_finding(DEV, None, 2.8, TH) is not None
    assert link_finding(DEV, 10, 5, TH) is None  # too few frames to judge
    poor = link_finding(DEV, 60, 40, TH)
    assert poor is not None and poor.evidence["loss_pct"] == 40.0


@dataclass
class Leaking:
    """A town whose school's water meter leaks, and its alert book."""

    book: AlertBook
    town: int
    site: int
    finding: Finding


@pytest.fixture
def leaking(tmp_path: Path) -> Iterator[Leaking]:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    town = registry.owner_tenant()
    site = registry.ensure_site(town.id, "ecole")
    device = Device(DEV.dev_eui, town.id, DEV.name, DEV.model, site_id=site.id)
    registry.add_devices([device])
    finding = leak_finding(device, nights(0.012, 0.015, 0.011), TH)
    assert finding is not None
    yield Leaking(AlertBook(registry.engine), town.id, site.id, finding)
    registry.close()


def test_book_opens_refreshes_and_closes(leaking: Leaking) -> None:
    book, town, finding = leaking.book, leaking.town, leaking.finding
    (opened,) = book.sync([finding], NOW)
    assert book.sync([finding], NOW + timedelta(hours=1)) == []  # same alert, refreshed
    assert [a.id for a in book.list(town)] == [opened]
    book.acknowledge(opened, "paul", NOW)
    assert book.get(opened).acknowledged_by == "paul"
    book.sync([], NOW + timedelta(hours=2))  # the leak stopped
    assert book.list(town) == []
    (closed,) = book.list(town, status="closed")
    assert closed.ended_at is not None


class _Hook(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_the_webhook_posts_each_new_alert_with_all_its_fields(leaking: Leaking) -> None:
    (opened,) = leaking.book.sync([leaking.finding], NOW)
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert Webhook(f"http://127.0.0.1:{server.server_port}/hook").send([leaking.book.get(opened)])
    finally:
        server.shutdown()
        server.server_close()
    (sent,) = json.loads(_Hook.bodies[-1])["alerts"]
    assert list(sent) == [
        "id",
        "tenant_id",
        "site_id",
        "dev_eui",
        "kind",
        "key",
        "message",
        "evidence",
        "started_at",
        "updated_at",
        "ended_at",
        "acknowledged_at",
        "acknowledged_by",
    ]
    assert (sent["id"], sent["kind"], sent["dev_eui"], sent["site_id"]) == (
        opened,
        "leak",
        DEV.dev_eui,
        leaking.site,
    )
    assert datetime.fromisoformat(sent["started_at"]) == NOW and sent["ended_at"] is None
    assert sent["evidence"] == json.loads(json.dumps(leaking.finding.evidence, default=str))
