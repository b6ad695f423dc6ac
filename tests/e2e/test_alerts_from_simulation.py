"""The simulated village's leak (see default_fleet.toml) raises a leak alert, and nothing else does."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.alerts import AlertBook, AlertKind, evaluate
from gateway_bridge.envelopes import parse
from ingest.pipeline import Ingestor
from kernel.settings import Settings
from kernel.types import Uplink
from releve.runtime import provision_fleet
from releve.services import close_state, open_state
from simulator.fleet import LeakEvent, load_fleet
from simulator.player import reports

pytestmark = pytest.mark.e2e
PARIS = ZoneInfo("Europe/Paris")


def test_leak_alert_with_its_evidence(tmp_path: Path) -> None:
    state = open_state(Settings(data_dir=tmp_path))
    try:
        fleet = load_fleet()
        provision_fleet(state.registry, fleet)
        ingestor = Ingestor(state.registry, state.archive, state.store)
        batch: list[tuple[Uplink, str]] = []
        end = datetime(2026, 11, 14, 9, tzinfo=PARIS)
        for report in reports(fleet, datetime(2026, 11, 4, tzinfo=PARIS), end):
            event = parse(report.topic, report.body)
            assert isinstance(event, Uplink)
            batch.append((event, "simulator"))
            if len(batch) == 500:
                ingestor.process(ingestor.accept(batch))
                batch = []
        ingestor.process(ingestor.accept(batch))

        findings = evaluate(state.registry, state.archive.engine, state.store, end, "Europe/Paris")
        leaks = [f for f in findings if f.kind is AlertKind.LEAK]
        (leak,) = leaks
        (planted,) = fleet.events
        assert isinstance(planted, LeakEvent) and leak.dev_eui == planted.dev_eui
        nights = leak.evidence["night_min_flow_m3h"]
        assert len(nights) == 3 and all(n["min_m3h"] >= 0.9 * planted.flow_m3h for n in nights)
        assert "L/h" in leak.message
        # Every device reported within its interval: nothing silent; batteries are fine.
        assert not [f for f in findings if f.kind is not AlertKind.LEAK]
        opened = AlertBook(state.archive.engine).sync(findings, end)
        assert len(opened) == 1
    finally:
        close_state(state)
