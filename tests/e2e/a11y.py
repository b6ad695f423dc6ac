"""Accessibility checks run inside the page (RGAA / WCAG AA), without a bundled audit library.

``audit(page)`` returns a list of problems found on the current page: form fields without a
label, buttons and links without an accessible name, images and charts without a text
alternative, a missing or wrong ``lang``, missing ``h1``, and text whose contrast ratio
against its effective background is below 4.5:1 (3:1 for large text), computed from the
browser's computed colours with the WCAG relative luminance formula.
"""

from __future__ import annotations

from playwright.sync_api import Page

_AUDIT = r"""
(expectedLang) => {
  const problems = [];
  const visible = (el) => {
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || s.display === "none") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !el.closest("[hidden]");
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "");
  const byIds = (ids) => ids.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean)
    .map((n) => n.textContent.trim()).join(" ").trim();
  const name = (el) => (el.getAttribute("aria-label") || "").trim()
    || (el.getAttribute("aria-labelledby") ? byIds(el.getAttribute("aria-labelledby")) : "")
    || (el.labels && el.labels.length ? [...el.labels].map((l) => l.textContent.trim()).join(" ") : "")
    || (el.tagName !== "INPUT" && el.tagName !== "SELECT" && el.tagName !== "TEXTAREA" ? el.textContent.trim() : "")
    || (el.getAttribute("title") || "").trim();

  if (document.documentElement.lang !== expectedLang) problems.push(`html lang is "${document.documentElement.lang}", expected "${expectedLang}"`);
  if (!document.title.trim()) problems.push("the page has no title");
  const main = document.querySelector("main");
  if (main.getAttribute("aria-busy") === null && document.querySelectorAll("main h1").length !== 1)
    problems.push(`main holds ${document.querySelectorAll("main h1").length} h1 headings`);

  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    if (el.type === "radio" || el.type === "checkbox" ? !(el.labels && el.labels.length) : !name(el))
      problems.push(`form field without a label: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll("button, a[href], [role=button]")) {
    if (!visible(el) && !el.closest("dialog")) continue;
    if (!name(el)) problems.push(`${describe(el)} has no accessible name`);
  }
  for (const el of document.querySelectorAll("img, svg[role=img], [role=img]")) {
    if (el.tagName === "IMG" ? el.getAttribute("alt") === null : !name(el))
      problems.push(`image without a text alternative: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll("canvas")) {
    if (!el.closest("[role=img][aria-label]")) problems.push("a chart canvas outside a labelled role=img");
  }
  for (const el of document.querySelectorAll("table")) {
    if (el.querySelector("td") && !el.querySelector("th")) problems.push(`a data table without headers: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll("dialog")) {
    if (!name(el)) problems.push("a dialog without a name");
  }

  // Contrast: every visible element that holds text of its own.
  const rgba = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
    return out;
  };
  const checked = [];
  for (const el of document.querySelectorAll("body *")) {
    if (["SCRIPT", "STYLE", "OPTION", "CANVAS"].includes(el.tagName) || el.closest("svg, .sr-only, .skip")) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const s = getComputedStyle(el);
    const fg = rgba(s.color), bg = background(el);
    const opacity = Number(s.opacity);
    const color = fg.slice(0, 3).map((v, i) => v * fg[3] * opacity + bg[i] * (1 - fg[3] * opacity));
    const [hi, lo] = [lum(color), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    checked.push(ratio);
    if (ratio < needed) problems.push(`contrast ${ratio.toFixed(2)}:1 < ${needed}:1 for "${el.textContent.trim().slice(0, 30)}" (${describe(el)})`);
  }
  if (!checked.length) problems.push("no text found to check");
  return problems;
}
"""


def audit(page: Page, lang: str = "fr") -> list[str]:
    """Problems found on the page as shown now (an empty list when it passes)."""
    problems: list[str] = page.evaluate(_AUDIT, lang)
    return problems


def contrast(page: Page, selector: str) -> float:
    """The contrast ratio of the first element matching ``selector`` against its background."""
    ratio: float = page.evaluate(
        r"""(sel) => {
          const el = document.querySelector(sel);
          const rgb = (c) => c.match(/[\d.]+/g).map(Number);
          const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          let bg = null;
          for (let n = el; n && !bg; n = n.parentElement) {
            const c = rgb(getComputedStyle(n).backgroundColor);
            if (c.length < 4 || c[3] > 0) bg = c;
          }
          const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg || [255, 255, 255])].sort((x, y) => y - x);
          return (a + 0.05) / (b + 0.05);
        }""",
        selector,
    )
    return ratio
