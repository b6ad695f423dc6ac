"""Accessibility checks run inside the page (RGAA / WCAG AA), without a bundled audit library.

``audit(page)`` returns the problems found on the current page (see a11y_audit.js): form fields
without a label, buttons and links without an accessible name, images and charts without a text
alternative, tables without headers, a missing or wrong ``lang``, not exactly one ``h1``, and
text whose contrast ratio against its effective background is below 4.5:1 (3:1 for large
text), computed from the browser's computed colours with the WCAG relative luminance formula.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

_CHECKS = (Path(__file__).parent / "a11y_audit.js").read_text()


def audit(page: Page, lang: str = "fr") -> list[str]:
    """Problems found on the page as shown now (an empty list when it passes)."""
    problems: list[str] = page.evaluate(f"(lang) => ({_CHECKS}).audit(lang)", lang)
    return problems


def contrast(page: Page, selector: str) -> float:
    """The contrast ratio of the first element matching ``selector`` against its background."""
    ratio: float = page.evaluate(f"(sel) => ({_CHECKS}).contrast(document.querySelector(sel))", selector)
    return ratio
