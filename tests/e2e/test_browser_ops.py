"""The operators' page in Chromium, at phone and desktop width: the fleet's spreadsheet exported
on Windows (Windows-1252, ';', accents) checked and imported through the page, imported again
(nothing changes), imported with a typo fixed (one update, shown before and after); a device
changed (pulse weight) and decommissioned; a building renamed; a device heard ignored. Each
action's result is visible on the page, in French; screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ingest.pipeline import Ingestor
from kernel.settings import Settings
from kernel.types import Lns, Uplink
from registry import Role
from releve.broker import free_port
from releve.services import close_state, open_state
from tests.e2e.conftest import SHOTS
from tests.e2e.test_browser import assert_accessible, login, serve, settled

pytestmark = pytest.mark.e2e


SHEET = (
    "dev_eui;name;model;site;pulse_quantity;pulse_weight;tags\n"
    "a000000000000101;Eau m\u00e9diath\u00e8que;netvox/r718h;M\u00e9diath\u00e8que;"
    "water_volume;0,001;usage=eau\n"
    "a000000000000102;Eau cr\u00e8che;netvox/r718h;Cr\u00e8che;water_volume;0,01;\n"
    "a000000000000103;Elec cr\u00e8che;netvox/r718h;Cr\u00e8che;energy_import;1;\n"
)


@pytest.fixture
def ops_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    settings = Settings(data_dir=tmp_path / "data", api_port=free_port())
    state = open_state(settings)
    town = state.registry.owner_tenant()
    state.registry.ensure_site(town.id, "mairie", "Mairie")
    _, token = state.registry.create_key(town.id, Role.ADMIN, "ops")
    heard = Uplink("ffff00000000beef", 6, 42, bytes(11), datetime.now(UTC), Lns.CHIRPSTACK_V4)
    ingestor = Ingestor(state.registry, state.archive, state.store)
    ingestor.process(ingestor.accept([(heard, "test")]))
    server, thread = serve(settings, state)
    try:
        yield f"http://127.0.0.1:{settings.api_port}", token
    finally:
        server.should_exit = True
        thread.join(10)
        close_state(state)


@pytest.fixture(params=[(390, 844), (1280, 800)], ids=["phone", "desktop"])
def ops_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Page, str]]:
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, "phone" if width < 600 else "desktop"
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def upload(page: Page, path: Path, button: str, said: str) -> None:
    """Send the file with the button; the page says ``said`` (an import draws the page again,
    its result at the top)."""
    page.get_by_label("Fichier CSV des capteurs").set_input_files(str(path))
    page.get_by_role("button", name=button, exact=True).click()
    where = "#devices-status" if button == "Importer" else "#import-report [role=status]"
    expect(page.locator(where)).to_contain_text(said)


def test_a_year_of_spreadsheets_and_changes_through_the_page(
    ops_page: tuple[Page, str], ops_url: tuple[str, str], tmp_path: Path
) -> None:
    page, width = ops_page
    base, token = ops_url
    login(page, base, token)
    page.goto(f"{base}/#/devices")
    settled(page)
    sheet = tmp_path / "parc.csv"
    sheet.write_bytes(SHEET.encode("cp1252"))

    upload(page, sheet, "Vérifier", "Fichier valide. À l'import : 3 créés, 0 modifié, 0 inchangé")
    expect(page.locator("#import-report")).to_contain_text("windows-1252")
    expect(page.locator("#import-diff")).to_contain_text("Médiathèque")
    page.screenshot(path=str(SHOTS / f"ops-import-check-{width}.png"), full_page=True)
    upload(page, sheet, "Importer", "Import terminé : 3 créés, 0 modifié, 0 inchangé")
    expect(page.locator("#devices")).to_contain_text("Eau médiathèque")
    expect(page.locator("#devices")).not_to_contain_text("\ufffd")

    upload(page, sheet, "Importer", "Import terminé : 0 créé, 0 modifié, 3 inchangés")
    fixed = tmp_path / "parc-corrige.csv"
    fixed.write_bytes(SHEET.replace("Eau cr\u00e8che", "Eau de la cr\u00e8che").encode("cp1252"))
    upload(page, fixed, "Vérifier", "0 créé, 1 modifié, 2 inchangés")
    expect(page.locator("#import-diff")).to_contain_text("Eau crèche → Eau de la crèche")
    page.screenshot(path=str(SHOTS / f"ops-import-diff-{width}.png"), full_page=True)
    upload(page, fixed, "Importer", "Import terminé : 0 créé, 1 modifié, 2 inchangés")

    # A bad row is said in French, naming no command.
    bad = tmp_path / "bad.csv"
    bad.write_bytes("dev_eui;name;model;site\nzz;X;acme/nothing;Mairie\n".encode("cp1252"))
    upload(page, bad, "Vérifier", "Rien n'a été importé : 1 ligne en erreur")
    reason = page.locator("#import-report td").nth(1).inner_text()
    assert "DevEUI invalide" in reason and "releve" not in reason

    # A device changed: pulse weight; then decommissioned.
    page.goto(f"{base}/#/devices?edit=a000000000000102")
    settled(page)
    assert_accessible(page)
    form = page.locator("form").first
    expect(form.get_by_label("Poids d'une impulsion")).to_have_value("0.01")
    form.get_by_label("Poids d'une impulsion").fill("0,001")
    page.screenshot(path=str(SHOTS / f"ops-device-edit-{width}.png"), full_page=True)
    form.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#devices-status")).to_contain_text("Eau de la crèche enregistré")
    page.goto(f"{base}/#/devices?edit=a000000000000102")
    settled(page)
    expect(page.locator("form").first.get_by_label("Poids d'une impulsion")).to_have_value("0.001")
    page.get_by_role("button", name="Mettre hors service").click()
    expect(page.locator("#devices-status")).to_contain_text("mis hors service")
    expect(page.locator("#devices")).to_contain_text("hors service")

    # A building renamed.
    mairie = page.locator("#sites-title ~ div tr", has_text="Mairie")
    mairie.get_by_role("link", name="Modifier").click()
    settled(page)
    page.get_by_label("Nom", exact=True).fill("Hôtel de ville")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#devices-status")).to_contain_text("Hôtel de ville enregistré")

    # The device heard: its port and frame counter; ignored, then listed apart.
    heard = page.locator("table.quarantine tr", has_text="ffff00000000beef")
    expect(heard).to_contain_text("42")
    heard.get_by_role("button", name="Ignorer").click()
    expect(page.locator("#devices-status")).to_contain_text("ffff00000000beef ignoré")
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / f"ops-after-{width}.png"), full_page=True)
