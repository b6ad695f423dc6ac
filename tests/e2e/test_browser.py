"""The technicians' page in headless Chromium (Debian's), driven by Playwright, against a real
uvicorn serving a store fed by the simulator: log in, overview, a site, a CSV import dry run.
Screenshots of each page are saved under test-artifacts/screenshots/.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright

from api.app import close_state, create_app, open_state
from gateway_bridge.envelopes import parse
from ingest.alerts import AlertBook, evaluate
from ingest.pipeline import Ingestor
from ingest.registry import Role
from releve.broker import free_port, wait_for_port
from releve.runtime import provision_fleet
from releve.settings import Settings
from releve.types import Uplink
from simulator.fleet import load_fleet
from simulator.player import reports

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("browser"), api_port=free_port())
    state = open_state(settings)
    fleet = load_fleet()
    provision_fleet(state.registry, fleet)
    _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.OPERATOR, "browser")
    now = datetime.now(UTC)
    ingestor = Ingestor(state.registry, state.archive, state.store)
    uplinks = []
    for report in reports(fleet, now - timedelta(days=3), now):
        event = parse(report.topic, report.body)
        assert isinstance(event, Uplink)
        uplinks.append((event, "simulator"))
    for i in range(0, len(uplinks), 500):
        ingestor.process(ingestor.accept(uplinks[i : i + 500]))
    findings = evaluate(state.registry, state.archive.engine, state.store, now, settings.timezone)
    AlertBook(state.archive.engine).sync(findings, now)
    server = Server(uvicorn.Config(create_app(settings, state), host="127.0.0.1", port=settings.api_port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(settings.api_port)
    try:
        yield f"http://127.0.0.1:{settings.api_port}", token
    finally:
        server.should_exit = True
        thread.join(10)
        close_state(state)


@pytest.fixture
def page(site_url: tuple[str, str]) -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError("chromium is not installed: run `make test` (scripts/test), which installs it")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page
        browser.close()
        assert not errors, f"JavaScript errors: {errors}"


def login(page: Page, base: str, token: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("Clé d'API").fill(token)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("table")


def test_bad_key_is_refused(page: Page, site_url: tuple[str, str]) -> None:
    base, _ = site_url
    page.goto(f"{base}/")
    page.get_by_label("Clé d'API").fill("rlv_nope_nope")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("alert").wait_for()
    assert "inconnue" in page.get_by_role("alert").inner_text()


def test_overview_site_and_language(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    rows = page.locator("tbody tr")
    assert rows.count() == 4
    assert "m³" in page.locator("tbody").inner_text()
    page.screenshot(path=str(SHOTS / "overview.png"))
    page.get_by_role("link", name="École Jules Ferry").first.click()
    page.wait_for_selector(".uplot")
    assert page.locator(".uplot").count() >= 4  # daily and hourly, water and electricity
    assert "netvox/r718h" in page.locator("table").inner_text()
    page.screenshot(path=str(SHOTS / "site.png"), full_page=True)
    page.select_option("#lang", "en")
    page.wait_for_selector("text=Consumption per day (last 31 days)")


def test_csv_import_dry_run_reports_the_bad_row(
    page: Page, site_url: tuple[str, str], tmp_path: Path
) -> None:
    base, token = site_url
    login(page, base, token)
    page.get_by_role("link", name="Capteurs").click()
    csv = tmp_path / "devices.csv"
    csv.write_text(
        "dev_eui,name,model,site\n0011223344556677,Eau,netvox/r718h,Mairie\nzz,Bad,netvox/r718h,Mairie\n"
    )
    page.set_input_files("#csv", str(csv))
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_role("status").wait_for()
    assert "1 ligne(s) en erreur" in page.get_by_role("status").inner_text()
    assert "3" in page.locator("td.num").first.inner_text()
    page.screenshot(path=str(SHOTS / "devices-import.png"), full_page=True)


def test_leak_alert_with_evidence_is_acknowledged(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    assert "⚠ 1" in page.locator("tbody").inner_text()  # the library's leak, on the overview
    page.get_by_role("link", name="Alertes").first.click()
    page.wait_for_selector("article.alert")
    card = page.locator("article.alert").first
    assert (
        "Fuite" in card.inner_text() and "fuite probable" in card.inner_text() and "L/h" in card.inner_text()
    )
    assert card.locator(".evidence tbody tr").count() == 3
    page.screenshot(path=str(SHOTS / "alerts.png"), full_page=True)
    card.get_by_role("button", name="Acquitter").click()
    page.wait_for_selector("text=Acquittée par browser")
