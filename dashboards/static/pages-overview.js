"use strict";
// The overview: every site with this month's water and electricity against last year's.
(function (R) {
  const { t, el, fmt } = R;

  function trend(q) {
    if (!q) return el("span", { class: "muted" }, "–");
    // No readings on the same days last year: nothing to compare with, said under the table.
    if (q.change_pct === null) return el("span", { class: "muted", title: t("overview.noLastYear") },
      el("span", { "aria-hidden": "true" }, "–"), el("span", { class: "sr-only" }, t("overview.noLastYear")));
    if (Math.abs(q.change_pct) < 0.05) return el("span", {}, el("span", { "aria-hidden": "true" }, "= "), R.pct(0));
    const up = q.change_pct > 0;
    // The arrow and the words say it, not the colour alone.
    return el("span", { class: up ? "bad" : "good" },
      el("span", { "aria-hidden": "true" }, up ? "▲ " : "▼ "), R.pct(q.change_pct),
      el("span", { class: "sr-only" }, " " + t(up ? "trend.up" : "trend.down")));
  }

  // The buildings on a plain map drawn here (no tiles from the internet): true proportions, a
  // grid and a scale bar in metres, north up, names in a readable size with a halo, placed
  // where they overlap neither another name nor the frame. Drawn to its box's width.
  const NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function niceMetres(target) {
    const steps = [50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000];
    return steps.reduce((best, s) => (s <= target ? s : best), steps[0]);
  }
  function distanceText(m) { return m >= 1000 ? fmt(m / 1000, "km") : fmt(m, "m"); }

  function drawMap(holder, pts) {
    const W = Math.max(260, Math.floor(holder.clientWidth || 320));
    const H = Math.round(Math.min(380, Math.max(240, W * 0.75)));
    const named = pts.length <= 12;  // beyond, names would overlap: a tooltip per dot instead
    // Metres east and north of the sites' centre (an equirectangular projection: exact enough
    // across a town).
    const lat0 = pts.reduce((a, s) => a + s.latitude, 0) / pts.length;
    const lon0 = pts.reduce((a, s) => a + s.longitude, 0) / pts.length;
    const M = 111320;
    const east = (s) => (s.longitude - lon0) * M * Math.cos(lat0 * Math.PI / 180);
    const north = (s) => (s.latitude - lat0) * M;
    const xs = pts.map(east), ys = pts.map(north);
    const spanX = Math.max(...xs) - Math.min(...xs), spanY = Math.max(...ys) - Math.min(...ys);
    const padX = named ? Math.min(110, W * 0.2) : 24, padY = 40;
    // One scale for both axes (a square stays square); a lone building gets a kilometre around it.
    const k = Math.min((W - 2 * padX) / (spanX || 1000), (H - 2 * padY) / (spanY || 1000));
    const cx = (Math.max(...xs) + Math.min(...xs)) / 2, cy = (Math.max(...ys) + Math.min(...ys)) / 2;
    const px = (e) => W / 2 + (e - cx) * k, py = (n) => H / 2 - (n - cy) * k;
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img",
      "aria-label": t("overview.mapLabel", { n: pts.length }) });
    const bar = niceMetres(W / 4 / k);
    // A grid every scale-bar length, so distances read anywhere on the map.
    const grid = svg("g", { class: "grid" });
    const cell = bar * k;
    if (cell >= 24) {
      for (let x = (W / 2 - cx * k) % cell; x < W; x += cell) grid.append(svg("line", { x1: x, y1: 0, x2: x, y2: H }));
      for (let y = (H / 2 + cy * k) % cell; y < H; y += cell) grid.append(svg("line", { x1: 0, y1: y, x2: W, y2: y }));
    }
    root.append(svg("rect", { class: "ground", x: 0, y: 0, width: W, height: H, rx: 6 }), grid);
    const placed = [];  // label boxes already placed
    // How much a label box would hide: off the frame, over a placed name, over a dot.
    const clashes = (b) => (b.x < 4 || b.y < 4 || b.x + b.w > W - 4 || b.y + b.h > H - 30 ? 2 : 0) +
      placed.filter((o) => !(b.x + b.w < o.x || o.x + o.w < b.x || b.y + b.h < o.y || o.y + o.h < b.y)).length +
      pts.filter((s) => { const dx = px(east(s)), dy = py(north(s)); return !(dx < b.x - 8 || dx > b.x + b.w + 8 || dy < b.y - 8 || dy > b.y + b.h + 8); }).length;
    const order = pts.map((s, i) => i).sort((a, b) => (pts[b].open_alerts || 0) - (pts[a].open_alerts || 0));
    for (const i of order) {
      const s = pts[i], x = px(xs[i]), y = py(ys[i]);
      // The table holds the same links: the dots are for the mouse and the finger, out of the tab order.
      const a = svg("a", { href: "#/sites/" + s.site_id, tabindex: "-1" });
      const dot = svg("circle", { cx: x, cy: y, r: named ? 8 : 5, class: s.open_alerts ? "alerting" : "" });
      dot.append(svg("title", {}, s.name + (s.open_alerts ? " — " + t("overview.openAlerts", { n: s.open_alerts }) : "")));
      a.append(dot);
      if (named) {
        const w = s.name.length * 7.6 + 6, h = 18;  // 13 px bold text, measured generously
        const tries = [[x + 12, y - h / 2, "start"], [x - 12 - w, y - h / 2, "end"], [x - w / 2, y - 14 - h, "middle"], [x - w / 2, y + 12, "middle"]];
        const score = tries.map(([bx, by]) => clashes({ x: bx, y: by, w, h }));
        const spot = tries[score.indexOf(Math.min(...score))];
        const [bx, by, anchor] = spot;
        placed.push({ x: bx, y: by, w, h });
        const tx = anchor === "start" ? bx : anchor === "end" ? bx + w : bx + w / 2;
        a.append(svg("text", { x: tx, y: by + 13, "text-anchor": anchor }, s.name));
      }
      root.append(a);
    }
    // Scale bar (bottom left) and north (top right).
    const scale = svg("g", { class: "scale", transform: `translate(12 ${H - 14})` });
    scale.append(svg("rect", { x: 0, y: -5, width: bar * k, height: 5 }), svg("text", { x: bar * k + 6, y: 0 }, distanceText(bar)));
    const arrow = svg("g", { class: "north", transform: `translate(${W - 22} 14)` });
    arrow.append(svg("path", { d: "M0 0 L6 16 L0 12 L-6 16 Z" }), svg("text", { x: 0, y: 30, "text-anchor": "middle" }, "N"));
    root.append(scale, arrow);
    holder.replaceChildren(root);
  }

  function siteMap(sites) {
    const pts = sites.filter((s) => s.latitude !== null && s.longitude !== null);
    if (!pts.length) return null;
    const holder = el("div", { class: "map-box" });
    const dot = (cls) => el("span", { class: "dot " + cls, "aria-hidden": "true" });
    const figure = el("figure", { class: "card map" }, el("figcaption", {}, t("overview.map")), holder,
      el("p", { class: "help legend" }, dot(""), " " + t("overview.mapQuiet") + " ", dot("alerting"), " " + t("overview.mapAlert")),
      el("p", { class: "help" }, t("overview.mapHelp")));
    figure.draw = () => drawMap(holder, pts);
    return figure;
  }

  async function renderOverview(main) {
    const data = await R.api("/api/v1/overview");
    const pick = (s, q) => s.quantities.find((x) => x.quantity === q) || null;
    const amount = (q) => (s) => (pick(s, q) || {}).month_to_date;
    const change = (q) => (s) => { const p = pick(s, q); return p ? p.change_pct : null; };
    // Open alerts right after the name: on a phone they stay in view beside it.
    const columns = [
      { key: "name", label: t("overview.site"), header: true, value: (s) => s.name.toLowerCase(),
        cell: (s) => el("a", { href: "#/sites/" + s.site_id }, s.name) },
      { key: "alerts", label: t("overview.alerts"), num: true, value: (s) => s.open_alerts,
        cell: (s) => s.open_alerts ? el("a", { href: "#/alerts?site=" + s.site_id, class: "bad" },
          el("span", { "aria-hidden": "true" }, "⚠ "), s.open_alerts,
          el("span", { class: "sr-only" }, " " + t("overview.openAlerts", { n: s.open_alerts }))) : "–" },
      { key: "water_volume", label: t("overview.water"), num: true, value: amount("water_volume"),
        cell: (s) => { const w = pick(s, "water_volume"); return w ? fmt(w.month_to_date, w.unit) : "–"; } },
      { key: "water_trend", label: t("overview.waterTrend"), num: true, value: change("water_volume"), cell: (s) => trend(pick(s, "water_volume")) },
      { key: "energy_import", label: t("overview.energy"), num: true, value: amount("energy_import"),
        cell: (s) => { const e = pick(s, "energy_import"); return e ? fmt(e.month_to_date, e.unit) : "–"; } },
      { key: "energy_trend", label: t("overview.energyTrend"), num: true, value: change("energy_import"), cell: (s) => trend(pick(s, "energy_import")) },
      { key: "devices", label: t("overview.devices"), num: true, value: (s) => s.devices, cell: (s) => s.devices },
      { key: "seen", label: t("overview.seen"), nowrap: true, value: (s) => s.last_seen ? -new Date(s.last_seen).getTime() : null, cell: (s) => R.since(s.last_seen) },
    ];
    const table = data.sites.length ? R.sortableTable({ id: "overview", caption: t("overview.caption"), captionHidden: true,
      columns, rows: data.sites, sort: R.state.sort, rowClass: (s) => s.open_alerts ? "alerting" : null }) : el("p", {}, t("overview.empty"));
    const unmatched = data.sites.some((s) => s.quantities.some((x) => x.change_pct === null));
    const month = R.monthName(data.period_start);
    // A town of many buildings: type part of a name to narrow the table.
    const count = el("p", { id: "site-count", class: "help", "aria-live": "polite" });
    const norm = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    const filter = el("input", { id: "site-filter", type: "search", autocomplete: "off", "aria-describedby": "site-count",
      oninput: () => {
        const wanted = norm(filter.value.trim());
        const rows = data.sites.filter((s) => norm(s.name).includes(wanted));
        table.setRows(rows);
        count.textContent = wanted ? t("overview.shown", { n: rows.length, total: data.sites.length }) : "";
      } });
    const search = data.sites.length > 1 ? el("div", { class: "filter" }, el("label", { for: "site-filter" }, t("overview.filter")), filter, count) : null;
    main.replaceChildren(el("h1", {}, t("overview.title")),
      el("p", { class: "muted" }, t("overview.period", { month, n: data.sites.length })),
      el("div", { class: "grid" }, el("section", { class: "card wide", "aria-label": t("overview.caption") },
        search, el("div", { class: "scroll" }, table),
        unmatched ? el("p", { class: "help" }, t("overview.noLastYearHelp")) : null), siteMap(data.sites)));
    R.drawAll(main);  // the map, to its box's width
    return t("overview.title");
  }

  R.pages = Object.assign(R.pages || {}, { overview: renderOverview });
})(window.Releve);
