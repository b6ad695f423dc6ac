// In-page accessibility checks for the browser tests (see tests/e2e/a11y.py).
({
  rgba(c) {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  },
  // WCAG 2 relative luminance of an sRGB colour.
  lum([r, g, b]) {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  },
  // The colour behind an element: its ancestors' backgrounds composed down to the first opaque one.
  background(el) {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = this.rgba(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
    return out;
  },
  contrast(el) {
    const s = getComputedStyle(el);
    const fg = this.rgba(s.color), bg = this.background(el);
    const alpha = fg[3] * Number(s.opacity);
    const color = fg.slice(0, 3).map((v, i) => v * alpha + bg[i] * (1 - alpha));
    const [hi, lo] = [this.lum(color), this.lum(bg)].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
  },
  audit(expectedLang) {
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
    const field = (el) => ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName);
    const name = (el) => (el.getAttribute("aria-label") || "").trim()
      || (el.getAttribute("aria-labelledby") ? byIds(el.getAttribute("aria-labelledby")) : "")
      || (el.labels && el.labels.length ? [...el.labels].map((l) => l.textContent.trim()).join(" ") : "")
      || (!field(el) ? el.textContent.trim() : "")
      || (el.getAttribute("title") || "").trim();

    const lang = document.documentElement.lang;
    if (lang !== expectedLang) problems.push(`html lang is "${lang}", expected "${expectedLang}"`);
    if (!document.title.trim()) problems.push("the page has no title");
    const h1 = document.querySelectorAll("main h1").length;
    if (h1 !== 1) problems.push(`main holds ${h1} h1 headings`);
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden") continue;
      const labelled = el.type === "radio" || el.type === "checkbox" ? el.labels && el.labels.length : name(el);
      if (!labelled) problems.push(`form field without a label: ${describe(el)}`);
    }
    for (const el of document.querySelectorAll("button, a[href], [role=button]")) {
      if (!visible(el) && !el.closest("dialog")) continue;
      if (!name(el)) problems.push(`${describe(el)} has no accessible name`);
    }
    for (const el of document.querySelectorAll("img, svg[role=img], [role=img]")) {
      const alt = el.tagName === "IMG" ? el.getAttribute("alt") !== null : name(el);
      if (!alt) problems.push(`image without a text alternative: ${describe(el)}`);
    }
    for (const el of document.querySelectorAll("canvas")) {
      if (!el.closest("[role=img][aria-label]")) problems.push("a chart canvas outside a labelled role=img");
    }
    for (const el of document.querySelectorAll("table")) {
      if (el.querySelector("td") && !el.querySelector("th")) problems.push(`a table without headers: ${describe(el)}`);
    }
    for (const el of document.querySelectorAll("dialog")) {
      if (!name(el)) problems.push("a dialog without a name");
    }
    // Contrast: every visible element holding text of its own; 3:1 for large text.
    let checked = 0;
    for (const el of document.querySelectorAll("body *")) {
      if (["SCRIPT", "STYLE", "OPTION", "CANVAS"].includes(el.tagName)) continue;
      if (el.closest("svg, .sr-only, .skip")) continue;
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !visible(el)) continue;
      const s = getComputedStyle(el);
      const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
      const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      const ratio = this.contrast(el);
      checked += 1;
      if (ratio < needed) {
        const text = el.textContent.trim().slice(0, 30);
        problems.push(`contrast ${ratio.toFixed(2)}:1 < ${needed}:1 for "${text}" (${describe(el)})`);
      }
    }
    if (!checked) problems.push("no text found to check");
    return problems;
  },
})
