"use strict";
// Shared helpers of the technicians' page: texts, DOM, numbers, the API, charts with a data
// table for screen readers, sortable tables. Pages are in pages-*.js, the router in app.js.
window.Releve = (function () {
  const I18N = window.RELEVE_I18N;
  const ROLES = ["viewer", "technician", "operator", "admin"];
  const state = {
    key: sessionStorage.getItem("releve.key"), me: null,
    // The overview opens with the buildings that have open alerts first.
    lang: localStorage.getItem("releve.lang") || "fr", sort: { key: "alerts", dir: -1 },
  };

  // A text in the reader's language. With a count {n}, the plural form the language gives it
  // ("id.one", "id.other": French says 0 and 1 in the singular, English only 1).
  function t(id, vars) {
    const dict = I18N[state.lang] || I18N.fr;
    let key = id;
    if (vars && typeof vars.n === "number") {
      const form = id + "." + new Intl.PluralRules(locale()).select(vars.n);
      key = form in dict ? form : id + ".other" in dict ? id + ".other" : id;
      vars = Object.assign({}, vars, { n: vars.n.toLocaleString(locale()) });
    }
    let text = dict[key] || I18N.fr[key] || key;
    for (const [k, v] of Object.entries(vars || {})) text = text.replace("{" + k + "}", v);
    return text;
  }
  // "Surface : 380 m²" in French, "Floor area: 380 m²" in English.
  function labelled(label, value) { return t("labelled", { label, value }); }
  function locale() { return state.lang === "fr" ? "fr-FR" : "en-GB"; }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function unitText(unit) { return (unit || "").replace("m3", "m³").replace("m2", "m²").replace("degC", "°C"); }
  function fmt(value, unit, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const d = digits !== undefined ? digits : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
    const num = value.toLocaleString(locale(), { maximumFractionDigits: d });
    return unit ? num + " " + unitText(unit) : num;
  }
  function euros(value) {
    if (value === null || value === undefined) return "–";
    return value.toLocaleString(locale(), { style: "currency", currency: "EUR" });
  }
  function pct(value) {
    if (value === null || value === undefined) return "–";
    const rounded = Math.round(value * 10) / 10;  // never "-0 %"
    return rounded === 0 ? fmt(0, null, 1) + " %" : (rounded > 0 ? "+" : "") + fmt(rounded, null, 1) + " %";
  }
  function date(iso, opts) { return new Date(iso).toLocaleDateString(locale(), opts || {}); }
  function dateTime(iso) { return new Date(iso).toLocaleString(locale(), { dateStyle: "short", timeStyle: "short" }); }
  function since(iso) {
    if (!iso) return t("never");
    const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    const text = s < 90 ? Math.round(s) + " s" : s < 5400 ? Math.round(s / 60) + " min"
      : s < 172800 ? Math.round(s / 3600) + " h" : Math.round(s / 86400) + (state.lang === "fr" ? " j" : " d");
    return t("ago", { t: text });
  }
  function allows(role) { return state.me && ROLES.indexOf(state.me.role) >= ROLES.indexOf(role); }
  // "2026-11-01T00:00:00+01:00" -> "novembre 2026": read in the town's time zone, not the browser's.
  function monthName(iso) {
    const [y, m] = iso.slice(0, 7).split("-").map(Number);
    return new Date(y, m - 1, 15).toLocaleDateString(locale(), { month: "long", year: "numeric" });
  }
  function monthKey(d) { return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0"); }

  class ApiError extends Error {
    // ``problem``: the problem document, whose ``code`` and ``params`` a page may say in its language.
    constructor(status, message, problem) { super(message); this.status = status; this.problem = problem || null; }
  }
  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ Authorization: "Bearer " + state.key }, opts.headers);
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(path, opts);
    if (response.status === 401) {
      if (state.me && Releve.onRevoked) Releve.onRevoked();  // a key revoked while in use
      throw new ApiError(401, t("login.bad"));
    }
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const detail = body && body.detail;
      throw new ApiError(response.status, typeof detail === "string" ? detail : response.statusText,
        body && typeof body === "object" ? body : null);
    }
    return body;
  }
  // An optional endpoint (one the server may not have yet): null when absent or not applicable.
  async function optional(path) {
    try { return await api(path); } catch (err) {
      if (err.status === 404 || err.status === 405 || err.status === 422) return null;
      throw err;
    }
  }

  // Screen readers hear what an asynchronous action did (page loaded, form saved).
  function announce(text) {
    const region = document.getElementById("announce");
    region.textContent = "";
    setTimeout(() => { region.textContent = text; }, 30);
  }

  // A chart: uPlot draws; a summary (aria-label) and a data table in <details> tell the same.
  // spec: {title, unit, xs: [Date], tick: "hour"|"day"|"month", series: [{label, values, kind,
  // color, dash, scale, unit, hidePartial}], summary, partial}
  // partial: the index of the window under way (today, this hour, this month), not a whole one:
  // its bar is drawn apart (light, dashed) and named so, its row in the table says "under way";
  // a series with hidePartial (a day's degree days need the whole day) leaves it out.
  const COLORS = { now: "#1d4f91", previous: "#5a6470", limit: "#a4262c", second: "#8a4f00" };
  // The index of the window still under way among points {start, end} (today, this hour), or -1.
  function windowUnderWay(points) {
    const now = Date.now();
    return points.findIndex((p) => new Date(p.start).getTime() <= now && now < new Date(p.end).getTime());
  }
  function underWay(i, spec) { return spec.partial !== undefined && spec.partial !== null && i === spec.partial; }
  function chart(spec) {
    const plot = el("div", { class: "plot", role: "img", "aria-label": spec.summary || spec.title });
    const cell = (s, i) => underWay(i, spec) && s.hidePartial ? el("td", { class: "muted" }, t("chart.notYet"))
      : el("td", { class: "num" }, fmt(s.values[i]));
    const fmtX = (d) => spec.tick === "hour" ? d.toLocaleString(locale(), { weekday: "short", hour: "2-digit", minute: "2-digit" })
      : spec.tick === "month" ? d.toLocaleDateString(locale(), { month: "short", year: "numeric" })
        : d.toLocaleDateString(locale(), { weekday: "short", day: "numeric", month: "short" });
    const table = el("table", { class: "data" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("chart.when")),
        spec.series.map((s) => el("th", { scope: "col" }, s.label + " (" + unitText(s.unit || spec.unit) + ")")))),
      el("tbody", {}, spec.xs.map((x, i) => el("tr", {}, el("th", { scope: "row" }, fmtX(x),
        underWay(i, spec) ? el("span", { class: "muted" }, " (" + t("chart.underWay") + ")") : null),
        spec.series.map((s) => cell(s, i))))));
    const figure = el("figure", { class: "figure" },
      spec.title ? el("figcaption", {}, spec.title) : null, plot,
      el("details", { class: "data-table" }, el("summary", {}, t("chart.table")), table));
    figure.draw = () => draw(plot, spec);
    return figure;
  }
  function draw(target, spec) {
    // As wide as its box allows (a phone's 340 px, a desktop's card), at most spec.width (A4's).
    const room = (target.parentElement.clientWidth || 600) - 8;
    const width = Math.max(200, Math.min(spec.width || 1100, room));
    const tick = spec.tick === "hour" ? { hour: "2-digit", minute: "2-digit" }
      : spec.tick === "month" ? { month: "short" } : { day: "numeric", month: "short" };
    // Bars need half a step of room at both ends; consumption axes start at zero.
    const xs = spec.xs.map((d) => d.getTime() / 1000);
    const step = xs.length > 1 ? xs[1] - xs[0] : 3600;
    const hasBars = spec.series.some((s) => s.kind === "bars");
    const fromZero = (u, min, max) => [Math.min(0, min === null ? 0 : min), max === null || max <= 0 ? 1 : max * 1.08];
    const scales = { x: { time: true, range: (u, min, max) => hasBars ? [min - step / 2, max + step / 2] : [min, max] },
      y: { range: spec.fromZero === false ? undefined : fromZero } };
    // Tick steps that suit the labels: whole hours, days or months, never the same label twice.
    const H = 3600, D = 86400;
    const incrs = spec.tick === "hour" ? [H, 2 * H, 3 * H, 6 * H, 12 * H, D] : spec.tick === "month" ? [31 * D, 62 * D, 93 * D, 186 * D]
      : [D, 2 * D, 3 * D, 7 * D, 14 * D, 31 * D];
    const axes = [{ incrs, values: (u, splits) => splits.map((v) => new Date(v * 1000).toLocaleString(locale(), tick)), stroke: "#1b1f24" },
      { size: 64, stroke: "#1b1f24", label: unitText(spec.unit), labelSize: 18 }];
    const series = [{ label: t("chart.when") }];
    // The window under way: out of the series' own bars, into a light dashed one of its own.
    const shown = [];
    for (const s of spec.series) {
      const p = spec.partial;
      if (p === undefined || p === null || (s.kind !== "bars" && !s.hidePartial)) { shown.push(s); continue; }
      shown.push(Object.assign({}, s, { values: s.values.map((v, i) => i === p ? null : v) }));
      if (s.kind === "bars" && s.values[p] !== null && s.values[p] !== undefined) {
        shown.push(Object.assign({}, s, { label: s.label + " (" + t("chart.underWay") + ")", dash: [4, 3],
          fill: "rgba(29,79,145,0.07)", values: s.values.map((v, i) => i === p ? v : null) }));
      }
    }
    for (const s of shown) {
      const scale = s.scale || "y";
      if (!scales[scale]) {
        scales[scale] = { range: fromZero };
        axes.push({ scale, side: 1, size: 64, stroke: COLORS.second, label: unitText(s.unit), labelSize: 18, grid: { show: false } });
      }
      const bars = s.kind === "bars";
      series.push({
        label: s.label, scale, stroke: s.color || COLORS.now, width: bars ? 1 : 2, dash: s.dash,
        fill: bars ? (s.fill || "rgba(29,79,145,0.25)") : undefined,
        paths: bars ? uPlot.paths.bars({ size: [0.8, 60] }) : undefined, points: { show: !bars && spec.xs.length < 40 },
        spanGaps: false,
      });
    }
    const data = [xs, ...shown.map((s) => s.values)];
    target.replaceChildren();
    new uPlot({ width, height: spec.height || 220, legend: { show: shown.length > 1, live: false }, scales, axes, series }, data, target);
  }
  // Figures that draw to their box's width (charts, the map) are drawn again when it changes:
  // a phone turned sideways, a window resized, the page printed.
  function drawAll(root) { for (const f of root.querySelectorAll("figure")) if (f.draw) f.draw(); }
  let drawnFor = window.innerWidth, redraw = null;
  function redrawSoon() {
    clearTimeout(redraw);
    redraw = setTimeout(() => drawAll(document), 120);
  }
  window.addEventListener("resize", () => {
    if (window.innerWidth === drawnFor) return;  // a phone's address bar folding: same width
    drawnFor = window.innerWidth;
    redrawSoon();
  });
  window.matchMedia("print").addEventListener("change", () => drawAll(document));

  // A table whose column headers are buttons (keyboard: Tab, then Enter or Space) that sort it.
  // columns: [{key, label, value(row) for sorting, cell(row) -> node, num, header (row header)}];
  // rows equal in the sorted column keep the first column's order (names A to Z).
  // rowClass(row): a class for a row (the overview marks buildings with open alerts).
  function sortableTable(opts) {
    const sort = opts.sort;
    const table = el("table", { id: opts.id, class: "sortable" });
    const missing = (v) => v === null || v === undefined;
    const compare = (va, vb) => missing(va) || missing(vb) ? (missing(va) ? 1 : 0) - (missing(vb) ? 1 : 0)
      : typeof va === "string" && typeof vb === "string" ? va.localeCompare(vb, locale()) : va < vb ? -1 : va > vb ? 1 : 0;
    function render() {
      const col = opts.columns.find((c) => c.key === sort.key) || opts.columns[0];
      const first = opts.columns[0];
      const rows = opts.rows.slice().sort((a, b) => {
        const va = col.value(a), vb = col.value(b);
        if (missing(va) !== missing(vb)) return missing(va) ? 1 : -1;  // blanks last, either way
        return compare(va, vb) * sort.dir || compare(first.value(a), first.value(b));
      });
      const head = el("tr", {}, opts.columns.map((c) => {
        if (!c.value) return el("th", { scope: "col", class: c.num ? "num" : null }, c.label);
        const active = c.key === sort.key;
        return el("th", { scope: "col", class: c.num ? "num" : null, "aria-sort": active ? (sort.dir > 0 ? "ascending" : "descending") : "none" },
          el("button", { type: "button", class: "sort", onclick: () => {
            if (sort.key === c.key) sort.dir = -sort.dir; else { sort.key = c.key; sort.dir = c.num ? -1 : 1; }
            render();
            table.querySelector(`th button[data-key="${c.key}"]`).focus();
            announce(t("sorted", { col: c.label, dir: t(sort.dir > 0 ? "sort.asc" : "sort.desc") }));
          }, "data-key": c.key }, c.label, el("span", { "aria-hidden": "true", class: "arrow" }, active ? (sort.dir > 0 ? " ▲" : " ▼") : " ↕")));
      }));
      table.replaceChildren(
        el("caption", { class: opts.captionHidden ? "sr-only" : null }, opts.caption),
        el("thead", {}, head),
        el("tbody", {}, rows.map((r) => el("tr", { class: opts.rowClass ? opts.rowClass(r) : null }, opts.columns.map((c) => c.header
          ? el("th", { scope: "row" }, c.cell(r)) : el("td", { class: c.num ? "num" : c.nowrap ? "nowrap" : null }, c.cell(r)))))));
    }
    render();
    table.setRows = (rows) => { opts.rows = rows; render(); };
    return table;
  }

  return { state, t, labelled, el, fmt, euros, pct, date, dateTime, since, allows, api, optional, announce, chart, drawAll,
    sortableTable, windowUnderWay, unitText, locale, monthKey, monthName, COLORS, ApiError, onRevoked: null };
})();
