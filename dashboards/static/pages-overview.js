"use strict";
// The overview: every site with this month's water and electricity against last year's.
(function (R) {
  const { t, el, fmt } = R;

  function trend(q) {
    if (!q || q.change_pct === null) return el("span", { class: "muted" }, "–");
    if (Math.abs(q.change_pct) < 0.05) return el("span", {}, el("span", { "aria-hidden": "true" }, "= "), R.pct(0));
    const up = q.change_pct > 0;
    // The arrow and the words say it, not the colour alone.
    return el("span", { class: up ? "bad" : "good" },
      el("span", { "aria-hidden": "true" }, up ? "▲ " : "▼ "), R.pct(q.change_pct),
      el("span", { class: "sr-only" }, " " + t(up ? "trend.up" : "trend.down")));
  }

  function siteMap(sites) {
    const pts = sites.filter((s) => s.latitude !== null && s.longitude !== null);
    if (!pts.length) return null;
    const lats = pts.map((s) => s.latitude), lons = pts.map((s) => s.longitude);
    const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
    const named = pts.length <= 12;  // beyond, names would overlap: a tooltip per dot instead
    const W = 360, H = 240, pad = 16;
    const x = (lon) => pad + ((lon - minLon) / (maxLon - minLon || 1)) * (W - 2 * pad);
    const y = (lat) => H - pad - ((lat - minLat) / (maxLat - minLat || 1)) * (H - 2 * pad);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", t("overview.mapLabel", { n: pts.length }));
    for (const s of pts) {
      // The table holds the same links: the dots are for the mouse, out of the tab order.
      const a = document.createElementNS(ns, "a");
      a.setAttribute("href", "#/sites/" + s.site_id);
      a.setAttribute("tabindex", "-1");
      const c = document.createElementNS(ns, "circle");
      c.setAttribute("cx", x(s.longitude)); c.setAttribute("cy", y(s.latitude)); c.setAttribute("r", named ? 7 : 4);
      if (s.open_alerts) c.setAttribute("class", "alerting");
      const title = document.createElementNS(ns, "title"); title.textContent = s.name;
      c.append(title); a.append(c);
      if (named) {
        const label = document.createElementNS(ns, "text");
        // Names go on the side with room: right of the dot in the left half, left of it in the right half.
        const right = x(s.longitude) < W / 2;
        label.setAttribute("x", x(s.longitude) + (right ? 10 : -10)); label.setAttribute("y", y(s.latitude) + 4);
        label.setAttribute("text-anchor", right ? "start" : "end");
        label.textContent = s.name;
        a.append(label);
      }
      svg.append(a);
    }
    return el("figure", { class: "card map" }, el("figcaption", {}, t("overview.map")), svg,
      el("p", { class: "help" }, t("overview.mapHelp")));
  }

  async function renderOverview(main) {
    const data = await R.api("/api/v1/overview");
    const pick = (s, q) => s.quantities.find((x) => x.quantity === q) || null;
    const amount = (q) => (s) => (pick(s, q) || {}).month_to_date;
    const change = (q) => (s) => { const p = pick(s, q); return p ? p.change_pct : null; };
    const columns = [
      { key: "name", label: t("overview.site"), header: true, value: (s) => s.name.toLowerCase(),
        cell: (s) => el("a", { href: "#/sites/" + s.site_id }, s.name) },
      { key: "water_volume", label: t("overview.water"), num: true, value: amount("water_volume"),
        cell: (s) => { const w = pick(s, "water_volume"); return w ? fmt(w.month_to_date, w.unit) : "–"; } },
      { key: "water_trend", label: t("overview.waterTrend"), num: true, value: change("water_volume"), cell: (s) => trend(pick(s, "water_volume")) },
      { key: "energy_import", label: t("overview.energy"), num: true, value: amount("energy_import"),
        cell: (s) => { const e = pick(s, "energy_import"); return e ? fmt(e.month_to_date, e.unit) : "–"; } },
      { key: "energy_trend", label: t("overview.energyTrend"), num: true, value: change("energy_import"), cell: (s) => trend(pick(s, "energy_import")) },
      { key: "devices", label: t("overview.devices"), num: true, value: (s) => s.devices, cell: (s) => s.devices },
      { key: "seen", label: t("overview.seen"), nowrap: true, value: (s) => s.last_seen ? -new Date(s.last_seen).getTime() : null, cell: (s) => R.since(s.last_seen) },
      { key: "alerts", label: t("overview.alerts"), num: true, value: (s) => s.open_alerts,
        cell: (s) => s.open_alerts ? el("a", { href: "#/alerts?site=" + s.site_id, class: "bad" },
          el("span", { "aria-hidden": "true" }, "⚠ "), s.open_alerts, el("span", { class: "sr-only" }, " " + t("overview.openAlerts"))) : "–" },
    ];
    const table = data.sites.length ? R.sortableTable({ id: "overview", caption: t("overview.caption"), captionHidden: true,
      columns, rows: data.sites, sort: R.state.sort }) : el("p", {}, t("overview.empty"));
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
        search, el("div", { class: "scroll" }, table)), siteMap(data.sites)));
    return t("overview.title");
  }

  R.pages = Object.assign(R.pages || {}, { overview: renderOverview });
})(window.Releve);
