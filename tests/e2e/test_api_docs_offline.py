"""The API's documentation in headless Chromium (Debian's) with the network cut: every request
the pages make off this machine is refused and recorded. /docs (Swagger UI) must render, let an
integrator authorize with a key and send a CSV file to the device import from "Try it out";
/redoc must render. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Route, expect

from kernel.settings import Settings
from registry import Role
from releve.broker import free_port
from releve.services import close_state, open_state
from tests.e2e.conftest import SHOTS
from tests.servers import api_server

pytestmark = pytest.mark.e2e

IMPORT = "#operations-devices-import_csv_api_v1_devices_import_post"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("docs"), api_port=free_port())
    state = open_state(settings)
    _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.OPERATOR, "intégrateur")
    try:
        with api_server(settings, state) as base:
            yield base, token
    finally:
        close_state(state)


@pytest.fixture
def offline(browser: Browser) -> Iterator[tuple[BrowserContext, list[str]]]:
    """A browser context where only this machine answers: anything else is refused and listed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    refused: list[str] = []

    def cut(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", cut)
    yield context, refused
    context.close()


def test_swagger_ui_renders_offline_and_sends_a_csv_file(
    served: tuple[str, str], offline: tuple[BrowserContext, list[str]], tmp_path: Path
) -> None:
    base, token = served
    context, refused = offline
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/api/v1/docs")  # the address an integrator guesses: redirected
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("releve", timeout=15_000)
    expect(page.locator(IMPORT)).to_be_visible()
    expect(page.locator("#operations-open_data-catalog_api_v1_open_catalog_get")).to_be_visible()
    page.screenshot(path=str(SHOTS / "api-docs.png"))

    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".auth-container").filter(has_text="X-API-Key")
    dialog.get_by_label("Value:").fill(token)
    dialog.get_by_role("button", name="Apply credentials").click()
    dialog.get_by_role("button", name="Close").click()

    operation = page.locator(IMPORT)
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    spreadsheet = tmp_path / "capteurs.csv"
    spreadsheet.write_text(
        "dev_eui;name;model;site\na81758fffe0d0042;Compteur d'eau;netvox/r718h;Médiathèque\n",
        encoding="cp1252",  # as a French spreadsheet saves it
    )
    operation.locator("input[type=file]").set_input_files(spreadsheet)
    operation.get_by_role("button", name="Execute").click()
    response = operation.locator(".live-responses-table .response")
    expect(response.locator(".response-col_status")).to_contain_text("200", timeout=15_000)
    expect(response.locator(".response-col_description")).to_contain_text('"imported": 1')
    expect(response.locator(".response-col_description")).to_contain_text('"dry_run": true')
    operation.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "api-docs-try-it-out.png"), full_page=False)
    assert not errors, errors
    assert refused == [], f"the documentation asked for {refused}"


def test_redoc_renders_offline(served: tuple[str, str], offline: tuple[BrowserContext, list[str]]) -> None:
    base, _ = served
    context, refused = offline
    page = context.new_page()
    page.goto(f"{base}/redoc")
    expect(page.locator("h1")).to_contain_text("releve", timeout=20_000)
    expect(
        page.get_by_text("DCAT-AP catalog of every publisher's open datasets (JSON-LD)").first
    ).to_be_attached()
    page.screenshot(path=str(SHOTS / "api-redoc.png"))
    assert refused == [], f"the documentation asked for {refused}"
