"""The technicians' page in headless Chromium (Debian's), driven by Playwright, against a real
uvicorn serving a store fed by the simulator: log in, overview, a site, an alert, a CSV import,
the monthly report (also in print media), accessibility checks on each page, every page at a
phone's width (390 x 844) and a desktop's, and the overview's load time for 200 sites.
Screenshots of each page go to test-artifacts/screenshots/ (``phone-*.png``, ``desktop-*.png``).

``RELEVE_BROWSER_DAYS`` (default 3) sets how many days of the simulated fleet are played; the
README's screenshots come from a run with 400 days (last year's figures filled in).
"""

from __future__ import annotations

import math
import os
import re
import statistics
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, expect

from api.app import create_app
from api.deps import AppState
from bench.dashboard import seed
from domain.alerts import AlertBook, evaluate
from domain.alerts.rules import abnormal_finding
from domain.alerts.thresholds import Thresholds
from gateway_bridge.envelopes import parse
from ingest.pipeline import Ingestor
from kernel.settings import Settings
from kernel.types import Uplink
from registry import Role
from releve.broker import free_port, wait_for_port
from releve.runtime import provision_fleet
from releve.services import close_state, open_state
from simulator.fleet import load_fleet
from simulator.player import reports
from tests.e2e.a11y import audit, contrast
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.e2e

DAYS = float(os.environ.get("RELEVE_BROWSER_DAYS", "3"))
VIEWERS: dict[int, str] = {}  # a read-only key per served port


class Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        pass


def serve(settings: Settings, state: AppState) -> tuple[Server, threading.Thread]:
    server = Server(
        uvicorn.Config(
            create_app(settings, state), host="127.0.0.1", port=settings.api_port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(settings.api_port)
    return server, thread


def played_from(now: datetime, tz: str) -> datetime:
    """DAYS before ``now``, and never after the local midnight before the leak rule's earliest night.

    Between 01:00 and 05:00 the night under way does not count yet, so the rule reads the three
    nights before it: three days back from 01:30 would miss the first hour of the earliest one.
    """
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    th = Thresholds()
    last_night = local.date() - timedelta(days=0 if local.hour >= th.night_end_hour else 1)
    earliest = datetime.combine(last_night - timedelta(days=th.leak_nights - 1), datetime.min.time(), zone)
    return min(now - timedelta(days=DAYS), earliest.astimezone(UTC))


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("browser"), api_port=free_port())
    state = open_state(settings)
    now = datetime.now(UTC)
    first = played_from(now, settings.timezone)
    fleet = load_fleet()
    if fleet.start > first:  # a long run: the village was there last year too
        fleet = fleet.model_copy(update={"start": first - timedelta(days=1)})
    provision_fleet(state.registry, fleet)
    _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.OPERATOR, "browser")
    _, VIEWERS[settings.api_port] = state.registry.create_key(
        state.registry.owner_tenant().id, Role.VIEWER, "lecteur"
    )
    ingestor = Ingestor(state.registry, state.archive, state.store)
    batch: list[tuple[Uplink, str]] = []
    for report in reports(fleet, first, now):
        event = parse(report.topic, report.body)
        assert isinstance(event, Uplink)
        batch.append((event, "simulator"))
        if len(batch) == 500:
            ingestor.process(ingestor.accept(batch))
            batch = []
    ingestor.process(ingestor.accept(batch))
    findings = evaluate(state.registry, state.archive.engine, state.store, now, settings.timezone)
    # The village does not overconsume: the rule itself builds this alert from a made-up history.
    gym_water = state.registry.get_device("a81758fffe0c0001")
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    history = [(today - timedelta(days=7 * k), 0.8 + 0.05 * k) for k in range(6, 0, -1)]
    abnormal = abnormal_finding(gym_water, "water_volume", "", today, 3.1, history, Thresholds())
    assert abnormal is not None
    AlertBook(state.archive.engine).sync([abnormal, *findings], now)
    server, thread = serve(settings, state)
    base = f"http://127.0.0.1:{settings.api_port}"
    try:
        furnish(base, token, now)
        yield base, token
    finally:
        server.should_exit = True
        thread.join(10)
        close_state(state)


def furnish(base: str, token: str, now: datetime) -> None:
    """What a town sets up through the API: tariffs (EUR) and an outdoor temperature per site."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        client.put(
            "/api/v1/tariffs",
            json=[
                {"quantity": "water_volume", "price_per_unit": 4.12, "fixed_per_month": 8.5},
                {
                    "quantity": "energy_import",
                    "price_per_unit": 0.2516,
                    "fixed_per_month": 15.0,
                    "periods": [{"name": "HC", "price_per_unit": 0.2068, "hours": [[22, 6]]}],
                },
            ],
        ).raise_for_status()
        # A November station: colder at night, a slow drift over the days.
        start = (now - timedelta(days=max(DAYS + 2, 40))).replace(minute=0, second=0, microsecond=0)
        rows = ["time,temperature"]
        for h in range(int((now - start).total_seconds() // 3600)):
            t = start + timedelta(hours=h)
            temperature = 7 + 4 * math.sin((t.hour - 9) / 24 * 2 * math.pi) - 2 * math.cos(h / 90)
            rows.append(f"{t.isoformat()},{temperature:.1f}")
        imported = client.post(
            "/api/v1/weather/grenoble-st-geoirs/import?dry_run=false",
            content="\n".join(rows),
            headers={"Content-Type": "text/csv"},
        )
        assert imported.raise_for_status().json()["errors"] == []
        for site in client.get("/api/v1/sites").raise_for_status().json()["items"]:
            client.put(
                f"/api/v1/sites/{site['id']}/weather", json={"station": "grenoble-st-geoirs"}
            ).raise_for_status()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def login(page: Page, base: str, token: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("Clé d'API").fill(token)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#overview tbody tr")


def settled(page: Page) -> None:
    """The router has finished the page (main is no longer busy) and charts are drawn."""
    page.wait_for_function("() => document.querySelector('main').dataset.ready === (location.hash || '#/')")
    page.wait_for_function("() => !document.querySelector('[aria-busy]')")


def assert_accessible(page: Page, lang: str = "fr") -> None:
    problems = audit(page, lang)
    assert not problems, "\n".join(problems)


def test_bad_key_is_refused(page: Page, site_url: tuple[str, str]) -> None:
    base, _ = site_url
    page.goto(f"{base}/")
    assert_accessible(page)
    page.get_by_label("Clé d'API").fill("rlv_nope_nope")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("alert").wait_for()
    assert "inconnue" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Clé d'API").get_attribute("aria-invalid") == "true"
    # Logged out: no navigation, no log-out button.
    assert not page.locator("#nav").is_visible() and not page.locator("#logout").is_visible()
    page.screenshot(path=str(SHOTS / "login.png"))


def test_keyboard_reaches_and_sorts_the_overview(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    settled(page)
    rows = page.locator("#overview tbody tr")
    assert rows.count() == 4
    assert "m³" in page.locator("#overview tbody").inner_text()
    assert_accessible(page)
    # On a fresh load the skip link comes first and moves the focus to the content.
    page.reload()
    page.wait_for_selector("#overview tbody tr")
    settled(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.evaluate("location.hash") in ("", "#/")  # the route stays
    # Tab from the content reaches the name filter, the sort buttons, then the first site's link.
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = "(e => e.id || e.textContent.trim())(document.activeElement)"
        reached.append(page.evaluate(focused))
    assert reached[0] == "site-filter" and reached[1].startswith("Bâtiment"), reached
    assert any(r in reached for r in ("Bibliothèque", "École Jules Ferry", "Gymnase municipal", "Mairie"))
    # Sorting with the keyboard: Enter on "Eau ce mois" sorts by water, largest first.
    water = page.get_by_role("button", name=re.compile("^Eau ce mois"))
    water.focus()
    page.keyboard.press("Enter")
    header = page.locator("#overview th", has=page.get_by_role("button", name=re.compile("^Eau ce mois")))
    expect(header).to_have_attribute("aria-sort", "descending")
    assert page.evaluate("document.activeElement.dataset.key") == "water_volume"  # focus kept
    cells = page.locator("#overview tbody tr td:nth-child(3)").all_inner_texts()
    values = [float(c.split(" ")[0].replace("\u202f", "").replace(",", ".")) for c in cells if c != "–"]
    assert values == sorted(values, reverse=True) and len(values) == 4
    page.keyboard.press("Space")
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#announce")).to_contain_text("croissant")
    # Text contrast of the main pairs (WCAG AA: 4.5:1).
    assert contrast(page, "#overview tbody th a") >= 4.5
    assert contrast(page, ".top a") >= 4.5
    assert contrast(page, "p.muted") >= 4.5
    page.get_by_role("button", name=re.compile("^Bâtiment")).click()
    page.screenshot(path=str(SHOTS / "overview.png"))
    # Narrowing by name, accents ignored.
    page.get_by_label("Filtrer par nom").fill("ecole")
    expect(page.locator("#overview tbody tr")).to_have_count(1)
    expect(page.locator("#site-count")).to_have_text("1 bâtiment sur 4")
    page.get_by_label("Filtrer par nom").fill("")
    expect(page.locator("#overview tbody tr")).to_have_count(4)
    page.select_option("#lang", "en")
    page.wait_for_selector("text=Water this month")
    settled(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert_accessible(page, "en")


def test_site_page_with_charts_devices_and_meter_replacement(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    page.get_by_role("link", name="École Jules Ferry").first.click()
    page.wait_for_selector(".uplot")
    settled(page)
    assert page.locator(".uplot").count() >= 2  # water and electricity per day
    assert "netvox/r718h" in page.locator("#site-devices").inner_text()
    facts = page.locator(".facts").inner_text()
    assert "Ce mois" in facts and "Intensité ce mois" in facts and "/m²" in facts
    # Every chart has a text alternative and a data table.
    plots = page.locator(".plot[role=img]")
    assert plots.count() >= 2
    assert "Eau" in (plots.first.get_attribute("aria-label") or "")
    assert page.locator("details.data-table table tbody tr").count() > 0
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "site.png"), full_page=True)
    # Per hour, chosen with the keyboard: the previous period is overlaid.
    radio = page.get_by_role("radio", name="Heure (48 h)").first
    radio.focus()
    page.keyboard.press("Space")
    card = page.locator("section.chart").first
    expect(card.locator("figcaption")).to_contain_text("par heure")
    expect(card.locator("details.data-table th[scope=col]").nth(2)).to_contain_text("une semaine avant")
    # Heating per degree day, scaled to a reference period's degree days.
    heating = page.locator("section.chart", has_text="Chauffage corrigé du climat")
    expect(heating.locator(".plot[role=img]")).to_have_attribute("aria-label", re.compile("degrés-jours"))
    heating.get_by_label("DJU de la période de référence").fill("2000")
    heating.get_by_role("button", name="Ramener").click()
    expect(heating).to_contain_text("Ramenée à une année de référence")
    expect(heating.get_by_label("DJU de la période de référence")).to_have_value("2000")
    # A meter replacement, recorded by an operator through the dialog.
    page.get_by_role("button", name=re.compile("Remplacement du compteur : École - eau froide")).first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    # Replaced just after its last reading, the old meter's index read off as the last one seen.
    eui = "a81758fffe0b0001"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        readings = client.get(f"/api/v1/devices/{eui}/readings?quantity=water_volume").json()["items"]
    last = readings[-1]
    at = datetime.fromisoformat(last["ts"]).astimezone(ZoneInfo("Europe/Paris")) + timedelta(minutes=1)
    dialog.get_by_label("Date et heure du remplacement").fill(at.strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_label("Dernier index de l'ancien compteur").fill(str(last["value"]))
    dialog.get_by_label("Premier index du nouveau compteur").fill("0")
    dialog.get_by_label("Remarque").fill("compteur gelé, changé par la régie")
    page.screenshot(path=str(SHOTS / "meter-replacement.png"))
    dialog.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("main [role=status]")).to_contain_text("enregistré")
    expect(dialog).to_be_hidden()


def test_leak_alert_with_evidence_chart_is_acknowledged(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    assert "⚠ 1" in page.locator("#overview tbody").inner_text()  # the library's leak, on the overview
    page.get_by_role("link", name="Alertes").first.click()
    page.wait_for_selector("article.alert")
    settled(page)
    card = page.locator("article.alert").first
    text = card.inner_text()
    assert "Fuite" in text and "fuite probable" in text and "L/h" in text
    assert card.locator(".evidence tbody tr").count() == 3
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "alerts.png"), full_page=True)
    card.get_by_role("link", name=re.compile("Détails et preuves")).click()
    page.wait_for_selector(".alert .uplot")
    settled(page)
    label = page.locator(".alert .plot[role=img]").get_attribute("aria-label") or ""
    assert "3 nuits" in label and "seuil" in label
    assert page.locator(".alert details.data-table tbody tr").count() >= 48  # hourly flow over the nights
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "alert-leak.png"), full_page=True)
    page.get_by_role("button", name="Acquitter").click()
    page.wait_for_selector("text=Acquittée par browser")
    expect(page.locator("#announce")).to_contain_text("acquittée")


def test_abnormal_consumption_alert_shows_the_usual_days(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    page.get_by_role("link", name="Gymnase municipal").first.click()
    settled(page)
    page.locator("main").get_by_role("link", name="Alertes").click()
    page.wait_for_selector("article.alert")
    settled(page)
    assert page.locator("h1").inner_text() == "Alertes en cours : Gymnase municipal"
    card = page.locator("article.alert").first
    assert "Consommation anormale" in card.inner_text() and "fois la médiane" in card.inner_text()
    card.get_by_role("link", name=re.compile("Détails et preuves")).click()
    page.wait_for_selector(".alert .uplot")
    settled(page)
    label = page.locator(".alert .plot[role=img]").get_attribute("aria-label") or ""
    assert "3,1 m³" in label and "fois la médiane" in label
    assert page.locator(".alert details.data-table tbody tr").count() == 7  # six weeks and the day
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "alert-abnormal.png"), full_page=True)


def test_csv_import_dry_run_reports_the_bad_row(
    page: Page, site_url: tuple[str, str], tmp_path: Path
) -> None:
    base, token = site_url
    login(page, base, token)
    page.get_by_role("link", name="Capteurs").click()
    page.wait_for_selector("#devices")
    settled(page)
    assert_accessible(page)
    csv = tmp_path / "devices.csv"
    csv.write_text(
        "dev_eui,name,model,site\n0011223344556677,Eau,netvox/r718h,Mairie\nzz,Bad,netvox/r718h,Mairie\n"
    )
    page.get_by_label("Fichier CSV des capteurs").set_input_files(str(csv))
    page.get_by_role("button", name="Vérifier").click()
    status = page.locator("#import-report [role=status]")
    status.wait_for()
    assert "1 ligne en erreur" in status.inner_text()
    assert page.get_by_role("status").filter(has_text="ligne en erreur").count() == 1
    assert "3" in page.locator("#import-report td.num").first.inner_text()
    page.screenshot(path=str(SHOTS / "devices-import.png"), full_page=True)


def test_monthly_report_prints_on_a4(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    page.get_by_role("link", name="École Jules Ferry").first.click()
    settled(page)
    page.get_by_role("link", name="Rapport du mois").click()
    page.wait_for_selector("article.report")
    settled(page)
    report = page.locator("article.report")
    text = report.inner_text()
    assert "École Jules Ferry" in text and "m³" in text and "kWh" in text
    assert "Même mois l'an dernier" in text and "Coût" in text
    assert report.locator(".uplot").count() >= 2  # a daily chart per quantity
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
    # Printed: no navigation, no buttons, black on white, on A4 pages.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator(".toolbar").is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    page.screenshot(path=str(SHOTS / "report-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=False, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3, f"the report prints on {pages} A4 pages"
    (SHOTS / "report.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    # Another month, picked with the form.
    page.get_by_role("textbox", name="Mois").fill("2026-01")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"/report/2026-01$"))


@pytest.fixture(scope="module")
def town_of_200(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("town200"), api_port=free_port())
    state = open_state(settings)
    seed(state.registry, state.store, 200, datetime.now(UTC), settings.timezone, step_h=2)
    _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.VIEWER, "speed")
    server, thread = serve(settings, state)
    try:
        yield f"http://127.0.0.1:{settings.api_port}", token
    finally:
        server.should_exit = True
        thread.join(10)
        close_state(state)


def test_overview_of_200_sites_loads_in_under_a_second(page: Page, town_of_200: tuple[str, str]) -> None:
    base, token = town_of_200
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        client.get("/api/v1/overview").raise_for_status()
        api = []
        for _ in range(3):
            began = time.perf_counter()
            body = client.get("/api/v1/overview").raise_for_status().json()
            api.append(time.perf_counter() - began)
    assert len(body["sites"]) == 200 and all(len(s["quantities"]) == 2 for s in body["sites"])
    page.goto(f"{base}/")
    page.evaluate("key => sessionStorage.setItem('releve.key', key)", token)
    loads = []
    for _ in range(3):
        page.goto("about:blank")
        began = time.perf_counter()
        page.goto(f"{base}/#/")
        page.wait_for_function("() => document.querySelectorAll('#overview tbody tr').length === 200")
        loads.append(time.perf_counter() - began)
    settled(page)
    page.screenshot(path=str(SHOTS / "overview-200-sites.png"))
    assert statistics.median(api) < 0.5, api
    assert statistics.median(loads) < 1.0, loads


def test_the_accessibility_audit_finds_what_it_checks(page: Page, site_url: tuple[str, str]) -> None:
    base, _ = site_url
    page.goto(f"{base}/")
    page.wait_for_selector("#key")
    assert audit(page) == []
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.insertAdjacentHTML("beforeend",
            '<input id="bare"><button type="button"></button>' +
            '<p style="color:#aaa;background:#fff">pâle</p><div role="img"></div>');
        }"""
    )
    problems = "\n".join(audit(page, "en"))
    assert 'html lang is "fr", expected "en"' in problems
    assert "form field without a label: input#bare" in problems
    assert "button has no accessible name" in problems
    assert 'contrast 2.32:1 < 4.5:1 for "pâle"' in problems
    assert "image without a text alternative: div" in problems


def test_an_operator_provisions_one_device(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    # As if picked from the unknown devices heard: the DevEUI comes filled in.
    page.goto(f"{base}/#/devices?eui=70-B3-D5-00-00-00-AB-CD")
    settled(page)
    form = page.locator("section", has=page.get_by_role("heading", name="Installer un capteur"))
    expect(form.get_by_label("DevEUI")).to_have_value("70-B3-D5-00-00-00-AB-CD")
    assert_accessible(page)
    form.get_by_label("Nom").fill("Mairie - eau des sanitaires")
    form.get_by_label("Modèle").select_option("netvox/r718h")
    form.get_by_label("Bâtiment").fill("Mairie")
    form.get_by_label("Point de comptage").fill("eau sanitaires")
    page.screenshot(path=str(SHOTS / "devices-provision.png"), full_page=True)
    form.get_by_role("button", name="Installer").click()
    expect(page.locator("#devices-status")).to_contain_text("(70b3d5000000abcd) installé")
    assert page.evaluate("location.hash") == "#/devices"
    expect(page.locator("#devices")).to_contain_text("70b3d5000000abcd")
    # A bad DevEUI is refused with the API's reason, next to the form.
    form = page.locator("section", has=page.get_by_role("heading", name="Installer un capteur"))
    form.get_by_label("DevEUI").fill("zz")
    form.get_by_label("Nom").fill("Faux")
    form.get_by_label("Modèle").select_option("netvox/r718h")
    form.get_by_label("Bâtiment").fill("Mairie")
    form.get_by_role("button", name="Installer").click()
    expect(form.get_by_role("alert")).to_contain_text("DevEUI")


def test_a_viewer_is_not_shown_what_the_role_may_not_do(page: Page, site_url: tuple[str, str]) -> None:
    base, _ = site_url
    login(page, base, VIEWERS[int(base.rsplit(":", 1)[1])])
    expect(page.locator("#who")).to_have_text("Lecture")
    assert not page.get_by_role("link", name="Capteurs").is_visible()
    page.get_by_role("link", name="Bibliothèque").first.click()
    settled(page)
    assert page.locator("#site-devices").count() == 1
    assert page.get_by_role("button", name=re.compile("Remplacement du compteur")).count() == 0
    page.goto(f"{base}/#/alerts")
    settled(page)
    assert page.locator("article.alert").count() >= 1
    assert page.get_by_role("button", name=re.compile("Acquitter")).count() == 0
    page.goto(f"{base}/#/devices")  # typed by hand: the overview instead
    settled(page)
    assert page.locator("#overview").count() == 1


SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}


def overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the window (0 when it fits)."""
    width: int = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
    return width


@pytest.fixture(params=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    """A page at a phone's size (touch, the meta viewport honoured) or a desktop's."""
    size: str = request.param
    phone = size == "phone"
    context = browser.new_context(
        viewport=SIZES[size], locale="fr-FR", timezone_id="Europe/Paris", is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield size, page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_every_page_fits_the_window(sized: tuple[str, Page], site_url: tuple[str, str]) -> None:
    """No page scrolls sideways on a phone or a desktop: wide tables scroll in their box."""
    size, page = sized
    base, token = site_url
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        sites = {s["name"]: s["id"] for s in client.get("/api/v1/sites").json()["items"]}
        alerts = client.get("/api/v1/alerts").json()["items"]
    library = sites["Bibliothèque"]
    leak = next(a for a in alerts if a["kind"] == "leak")
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    page.goto(f"{base}/")
    page.wait_for_selector("#key")
    assert overflow(page) == 0
    page.screenshot(path=str(SHOTS / f"{size}-login.png"), full_page=True)
    page.evaluate("key => sessionStorage.setItem('releve.key', key)", token)
    routes = {
        "overview": "#/",
        "site": f"#/sites/{library}",
        "report": f"#/sites/{library}/report/{month}",
        "alerts": "#/alerts",
        "alert": f"#/alerts/{leak['id']}",
        "devices": "#/devices",
    }
    wide = {}
    for name, route in routes.items():
        page.goto(f"{base}/{route}")
        settled(page)
        wide[name] = overflow(page)
        page.screenshot(path=str(SHOTS / f"{size}-{name}.png"), full_page=True)
    assert all(v == 0 for v in wide.values()), f"wider than the window by (px): {wide}"
    # Charts are drawn to their box: none is wider than the card that holds it.
    assert page.evaluate("() => document.querySelectorAll('.uplot').length") == 0  # devices page
    page.goto(f"{base}/{routes['site']}")
    settled(page)
    sticking_out = page.evaluate(
        """() => [...document.querySelectorAll('.uplot')].filter((u) =>
             u.getBoundingClientRect().right > u.closest('.card').getBoundingClientRect().right).length"""
    )
    assert sticking_out == 0


def test_the_navigation_folds_on_a_phone(sized: tuple[str, Page], site_url: tuple[str, str]) -> None:
    size, page = sized
    base, token = site_url
    login(page, base, token)
    settled(page)
    menu = page.get_by_role("button", name="Menu")
    alerts = page.locator("#nav").get_by_role("link", name="Alertes")
    if size == "desktop":
        assert not menu.is_visible() and alerts.is_visible()
        return
    assert not alerts.is_visible() and not page.locator("#lang").is_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    assert page.locator("#lang").is_visible() and page.locator("#logout").is_visible()
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "phone-menu.png"))
    alerts.click()
    page.wait_for_selector("article.alert")
    expect(menu).to_have_attribute("aria-expanded", "false")  # a navigation folds it again
    assert not alerts.is_visible()
    menu.click()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.activeElement.id") == "menu"


def test_charts_follow_the_window(page: Page, site_url: tuple[str, str]) -> None:
    """A desktop window narrowed to a phone's width: the charts are drawn again to fit."""
    base, token = site_url
    login(page, base, token)
    page.get_by_role("link", name="École Jules Ferry").first.click()
    page.wait_for_selector(".uplot")
    settled(page)
    wide = page.evaluate("() => document.querySelector('.uplot').getBoundingClientRect().width")
    page.set_viewport_size(SIZES["phone"])
    page.wait_for_function("() => document.querySelector('.uplot').getBoundingClientRect().width < 380")
    assert overflow(page) == 0
    page.set_viewport_size(SIZES["desktop"])
    page.wait_for_function(
        f"() => document.querySelector('.uplot').getBoundingClientRect().width >= {wide - 1}"
    )


def test_a_site_shows_its_open_alerts_and_the_overview_ranks_them_first(
    sized: tuple[str, Page], site_url: tuple[str, str]
) -> None:
    size, page = sized
    base, token = site_url
    login(page, base, token)
    settled(page)
    # Buildings with open alerts first (the library's leak, the gym's abnormal day), then A to Z.
    names = page.locator("#overview tbody th").all_inner_texts()
    assert names == ["Bibliothèque", "Gymnase municipal", "École Jules Ferry", "Mairie"], names
    expect(
        page.locator("#overview th", has=page.get_by_role("button", name=re.compile("^Alertes")))
    ).to_have_attribute("aria-sort", "descending")
    # The map names every building, with a scale.
    labels = page.locator("figure.map svg text").all_text_contents()
    assert set(names) <= set(labels) and any(re.fullmatch(r"[\d ,]+ k?m", x) for x in labels), labels
    page.locator("#overview").get_by_role("link", name="Bibliothèque").click()
    settled(page)
    card = page.locator("section.open-alerts")
    expect(card.get_by_role("heading")).to_have_text("⚠ 1 alerte en cours")
    text = card.inner_text()
    assert "Fuite" in text and "depuis le" in text, text
    assert re.search(r"Bibliothèque - eau : L'eau a coulé chaque heure de la nuit pendant \d+ nuits", text), (
        text
    )
    assert "L/h" in text and "fuite probable" in text
    # It sits above the figures, where a phone shows it without scrolling.
    assert card.bounding_box()["y"] < page.locator(".facts").bounding_box()["y"]  # type: ignore[index]
    assert card.bounding_box()["y"] < SIZES[size]["height"]  # type: ignore[index]
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / f"{size}-site-alert.png"))
    card.get_by_role("link", name=re.compile("Détails et preuves")).click()
    page.wait_for_selector(".alert .uplot")
    settled(page)
    assert "Fuite" in page.locator("h1").inner_text()


def test_the_day_under_way_and_missing_data_are_said(page: Page, site_url: tuple[str, str]) -> None:
    base, token = site_url
    login(page, base, token)
    page.get_by_role("link", name="École Jules Ferry").first.click()
    page.wait_for_selector(".uplot")
    settled(page)
    water = page.locator("section.chart").first
    site_id = int(page.url.rsplit("/", 1)[1])
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        read = client.get(f"/api/v1/sites/{site_id}/consumption", params={"quantity": "water_volume"}).json()
    # Today is drawn apart and named "under way" in the chart's legend and its table; in the
    # first minutes after midnight, before its first reading, it has no bar to draw (a CI run
    # at 00:05 Paris), and its row still says it is under way.
    legend = water.locator(".u-legend").inner_text()
    if read["points"][-1]["consumption"] is None:
        assert "(en cours)" not in legend
    else:
        assert "Cette période (en cours)" in legend
    rows = water.locator("details.data-table tbody tr")
    assert "(en cours)" in (rows.last.locator("th").text_content() or "")
    assert "(en cours)" not in (rows.nth(rows.count() - 2).locator("th").text_content() or "")
    if DAYS < 28:  # four weeks before, nothing was read: said, not "0 m³"
        expect(water.locator(".total")).to_contain_text("4 semaines avant pas de données")
        expect(water.locator(".total")).to_contain_text("jours relevés sur")
        fact = page.locator(".fact", has_text="Eau").locator("dd").nth(1)
        expect(fact).to_have_text("pas de relevé l'an dernier")
    # Today's degree days need the whole day: out of the curve, the table says why, the figures
    # hold the whole days and say so.
    heating = page.locator("section.chart", has_text="Chauffage corrigé du climat")
    last = heating.locator("details.data-table tbody tr").last.text_content() or ""
    assert "(en cours)" in last and "jour pas fini" in last
    figures = heating.locator("dl.inline").inner_text()
    assert "Consommation (jours finis)" in figures and "Aujourd'hui (en cours)" in figures
    assert "Degrés-jours unifiés selon Météo-France" in heating.inner_text()
    # Per month: the month under way counts the degree days of its finished days only, and its
    # days to come are no "day without temperature".
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        now = datetime.now(UTC)
        span = {"start": (now - timedelta(seconds=1)).isoformat(), "end": now.isoformat()}
        months = client.get(f"/api/v1/sites/{site_id}/heating", params={"window": "month", **span}).json()
        (month,) = months["points"]
        days = client.get(
            f"/api/v1/sites/{site_id}/heating",
            params={"window": "day", "start": month["start"], "end": span["end"]},
        ).json()
    *whole, today = days["points"]
    assert today["degree_days"] is None and months["today"] is not None
    known = whole and all(p["degree_days"] is not None for p in whole)
    expected = sum(p["degree_days"] for p in whole) if known else None
    assert month["degree_days"] == (None if expected is None else pytest.approx(expected))
    assert months["missing_temperature_days"] == days["missing_temperature_days"]
    heating.get_by_role("radio", name="Mois (12 mois)").check()
    row = heating.locator("details.data-table tbody tr").last
    expect(row.locator("th")).to_contain_text(re.compile(r"\d{4} \(en cours\)"))  # "déc. 2026 (en cours)"
    expect(heating.locator("dl.inline")).to_contain_text("Aujourd'hui (en cours)")
    shown = (row.locator("td").nth(1).text_content() or "").replace("\u202f", "").replace(",", ".")
    assert (shown == "–") if expected is None else (float(shown) == pytest.approx(expected, abs=0.5)), shown
    # The page's twelve months: the days before the simulation lack temperature, the days to come
    # do not.
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        year = client.get(
            f"/api/v1/sites/{site_id}/heating",
            params={"window": "month", "start": (now - timedelta(days=365)).isoformat(), "end": span["end"]},
        ).json()
    first = datetime.fromisoformat(year["points"][0]["start"]).astimezone(ZoneInfo("Europe/Paris")).date()
    assert year["missing_temperature_days"] <= (datetime.now(ZoneInfo("Europe/Paris")).date() - first).days
    heating.screenshot(path=str(SHOTS / "heating-month.png"))
    said = re.search(r"(\d+) jours? sans température", heating.inner_text())
    assert (int(said[1]) if said else 0) == year["missing_temperature_days"]


I18N_KEY = re.compile(r"""\bt\("([a-zA-Z_.]+)"\s*[,)]""")
STATIC = Path(__file__).resolve().parents[2] / "dashboards" / "static"


def test_both_languages_are_complete(page: Page, site_url: tuple[str, str]) -> None:
    """Every text has its French and English, with the same plural forms; no page in one language
    shows the other's words (the API's English messages are worded by the page)."""
    base, token = site_url
    page.goto(f"{base}/")
    page.wait_for_selector("#key")
    fr, en = page.evaluate("() => [Object.keys(RELEVE_I18N.fr), Object.keys(RELEVE_I18N.en)]")
    assert sorted(set(fr) - set(en)) == [] and sorted(set(en) - set(fr)) == []
    keys = set(fr) | {k.rsplit(".", 1)[0] for k in fr if k.endswith((".one", ".other"))}
    used = {m for path in STATIC.glob("*.js") for m in I18N_KEY.findall(path.read_text(encoding="utf-8"))}
    assert sorted(used - keys) == []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        sites = {s["name"]: s["id"] for s in client.get("/api/v1/sites").json()["items"]}
        leak = next(a for a in client.get("/api/v1/alerts").json()["items"] if a["kind"] == "leak")
    month = datetime.now(ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    routes = [
        "#/",
        f"#/sites/{sites['Bibliothèque']}",
        f"#/sites/{sites['École Jules Ferry']}",
        f"#/sites/{sites['Bibliothèque']}/report/{month}",
        "#/alerts",
        f"#/alerts/{leak['id']}",
        "#/devices",
    ]
    english = re.compile(
        r"\b(the|since|threshold|probably|Floor area|This month|no data|under way|Show the data)\b"
    )
    french = re.compile(
        r"\b(Ce mois|Surface|depuis le|pas de données|relevés? sur|en cours|Voir les données|Fuite|trames?"
        r"|DJU)\b"
    )
    page.evaluate("key => sessionStorage.setItem('releve.key', key)", token)
    for lang, foreign in (("fr", english), ("en", french)):
        page.evaluate("lang => localStorage.setItem('releve.lang', lang)", lang)
        for route in routes:
            page.goto(f"{base}/{route}")
            settled(page)
            page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
            found = foreign.findall(page.locator("body").inner_text())
            assert not found, f"{lang} page {route} shows {found}"
    page.evaluate("() => localStorage.removeItem('releve.lang')")
