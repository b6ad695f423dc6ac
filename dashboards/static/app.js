"use strict";
// The technicians' page: a small single-page app over the releve API. No build step, no CDN.
(function () {
  const I18N = window.RELEVE_I18N;
  const ROLES = ["viewer", "technician", "operator", "admin"];
  const state = { key: sessionStorage.getItem("releve.key"), me: null, lang: localStorage.getItem("releve.lang") || "fr" };
  const main = document.getElementById("main");

  function t(id, vars) {
    let text = (I18N[state.lang] && I18N[state.lang][id]) || I18N.fr[id] || id;
    for (const [k, v] of Object.entries(vars || {})) text = text.replace("{" + k + "}", v);
    return text;
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function fmt(value, unit) {
    if (value === null || value === undefined) return "–";
    const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
    const num = value.toLocaleString(state.lang === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: digits });
    return unit ? num + " " + unit.replace("m3", "m³") : num;
  }
  function since(iso) {
    if (!iso) return t("never");
    const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    const text = s < 90 ? Math.round(s) + " s" : s < 5400 ? Math.round(s / 60) + " min" : s < 172800 ? Math.round(s / 3600) + " h" : Math.round(s / 86400) + " j";
    return t("ago", { t: text });
  }
  function allows(role) {
    return state.me && ROLES.indexOf(state.me.role) >= ROLES.indexOf(role);
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ Authorization: "Bearer " + state.key }, opts.headers);
    const response = await fetch(path, opts);
    if (response.status === 401) {
      if (state.me) logout();  // a key revoked while in use; at login the form shows the error
      throw new Error(t("login.bad"));
    }
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) throw new Error((body && body.detail) || response.statusText);
    return body;
  }

  function applyStatic() {
    document.documentElement.lang = state.lang;
    document.getElementById("lang").value = state.lang;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    const nav = document.getElementById("nav");
    nav.hidden = !state.me;
    document.getElementById("logout").hidden = !state.me;
    for (const node of nav.querySelectorAll("[data-role]")) node.hidden = !allows(node.dataset.role);
  }

  function logout() {
    sessionStorage.removeItem("releve.key");
    state.key = null; state.me = null;
    applyStatic();
    location.hash = "#/";
    renderLogin();
  }

  function renderLogin(error) {
    const input = el("input", { id: "key", type: "password", autocomplete: "off", required: true, "aria-describedby": "key-help" });
    const form = el("form", { class: "card login", onsubmit: async (ev) => {
      ev.preventDefault();
      state.key = input.value.trim();
      try {
        state.me = await api("/api/v1/me");
        sessionStorage.setItem("releve.key", state.key);
        applyStatic();
        route();
      } catch (err) { renderLogin(t("login.bad")); }
    } },
      el("h1", {}, t("login.title")),
      el("label", { for: "key" }, t("login.key")), input,
      el("p", { id: "key-help", class: "help" }, t("login.help")),
      error ? el("p", { class: "error", role: "alert" }, error) : null,
      el("button", { type: "submit" }, t("login.submit")));
    main.replaceChildren(form);
    input.focus();
  }

  function trend(q) {
    if (!q || q.change_pct === null) return el("span", { class: "muted" }, "–");
    const up = q.change_pct > 0;
    return el("span", { class: up ? "bad" : "good", title: t("overview.trend") },
      (up ? "▲ +" : "▼ ") + fmt(q.change_pct) + " %");
  }

  function siteMap(sites) {
    const pts = sites.filter((s) => s.latitude !== null && s.longitude !== null);
    if (!pts.length) return null;
    const lats = pts.map((s) => s.latitude), lons = pts.map((s) => s.longitude);
    const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
    const W = 360, H = 240, pad = 30, labels = 110;  // room on the right for the names
    const x = (lon) => pad + ((lon - minLon) / (maxLon - minLon || 1)) * (W - pad - labels);
    const y = (lat) => H - pad - ((lat - minLat) / (maxLat - minLat || 1)) * (H - 2 * pad);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", t("overview.map"));
    for (const s of pts) {
      const a = document.createElementNS(ns, "a");
      a.setAttribute("href", "#/sites/" + s.site_id);
      const c = document.createElementNS(ns, "circle");
      c.setAttribute("cx", x(s.longitude)); c.setAttribute("cy", y(s.latitude)); c.setAttribute("r", 7);
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", x(s.longitude) + 10); label.setAttribute("y", y(s.latitude) + 4);
      label.textContent = s.name;
      const title = document.createElementNS(ns, "title"); title.textContent = s.name;
      c.append(title); a.append(c, label); svg.append(a);
    }
    return el("figure", { class: "card map" }, el("figcaption", {}, t("overview.map")), svg);
  }

  async function renderOverview() {
    const data = await api("/api/v1/overview");
    const sortKey = state.sort || "name";
    const pick = (s, q) => (s.quantities.find((x) => x.quantity === q) || null);
    const value = (s) => sortKey === "name" ? s.name.toLowerCase()
      : -((pick(s, sortKey) || {}).month_to_date || 0);
    const sites = data.sites.slice().sort((a, b) => (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0));
    const header = (key, label) => el("th", { scope: "col", "aria-sort": sortKey === key ? "descending" : "none" },
      el("button", { type: "button", class: "sort", onclick: () => { state.sort = key; renderOverview(); } }, label));
    const rows = sites.map((s) => {
      const w = pick(s, "water_volume"), e = pick(s, "energy_import");
      return el("tr", {},
        el("th", { scope: "row" }, el("a", { href: "#/sites/" + s.site_id }, s.name)),
        el("td", { class: "num" }, w ? fmt(w.month_to_date, w.unit) : "–"), el("td", {}, trend(w)),
        el("td", { class: "num" }, e ? fmt(e.month_to_date, e.unit) : "–"), el("td", {}, trend(e)),
        el("td", { class: "num" }, s.devices), el("td", {}, since(s.last_seen)),
        el("td", { class: "num" }, s.open_alerts ? el("a", { href: "#/alerts", class: "bad" }, "⚠ " + s.open_alerts) : "–"));
    });
    const table = sites.length ? el("table", { id: "overview" },
      el("caption", { class: "sr-only" }, t("overview.title")),
      el("thead", {}, el("tr", {}, header("name", t("overview.site")), header("water_volume", t("overview.water")),
        el("th", { scope: "col" }, t("overview.trend")), header("energy_import", t("overview.energy")),
        el("th", { scope: "col" }, t("overview.trend")), el("th", { scope: "col" }, t("overview.devices")),
        el("th", { scope: "col" }, t("overview.seen")), el("th", { scope: "col" }, t("overview.alerts")))),
      el("tbody", {}, rows)) : el("p", {}, t("overview.empty"));
    main.replaceChildren(el("h1", {}, t("overview.title")),
      el("div", { class: "grid" }, el("section", { class: "card wide" }, table), siteMap(sites)));
  }

  function chart(target, series, label, unit, hourly) {
    const xs = series.map((p) => new Date(p.start).getTime() / 1000);
    const ys = series.map((p) => p.consumption);
    const width = Math.max(280, Math.min(900, (target.parentElement.clientWidth || 600) - 40));
    const locale = state.lang === "fr" ? "fr-FR" : "en-GB";
    const tick = hourly ? { hour: "2-digit", minute: "2-digit" } : { day: "numeric", month: "short" };
    const opts = {
      width, height: 220,
      legend: { show: false },
      scales: { x: { time: true } },
      series: [{}, { label: label + " (" + unit.replace("m3", "m³") + ")", stroke: "#1d4f91", fill: "rgba(29,79,145,0.15)",
        paths: uPlot.paths.bars({ size: [0.8, 60] }), points: { show: false } }],
      axes: [{ values: (u, splits) => splits.map((v) => new Date(v * 1000).toLocaleString(locale, tick)) }, { size: 60 }],
    };
    target.replaceChildren();
    new uPlot(opts, [xs, ys], target);
  }

  async function renderSite(id) {
    const [site, devices] = await Promise.all([api("/api/v1/sites/" + id), api("/api/v1/devices?site_id=" + id + "&limit=1000")]);
    const qs = [...new Set(devices.items.length ? ["water_volume", "energy_import", "gas_volume", "heat_energy"] : [])];
    const charts = el("div", { class: "charts" });
    const head = el("div", {}, el("a", { href: "#/" }, t("site.back")), el("h1", {}, site.name),
      el("p", { class: "muted" }, [site.address, site.floor_area_m2 ? t("site.area") + " : " + fmt(site.floor_area_m2, "m²") : null].filter(Boolean).join(" · ")));
    const table = el("table", {},
      el("caption", {}, t("site.devices")),
      el("thead", {}, el("tr", {}, ["dev.name", "dev.model", "dev.seen", "dev.battery", "dev.link"].map((k) => el("th", { scope: "col" }, t(k))))),
      el("tbody", {}, devices.items.map((d) => el("tr", {},
        el("th", { scope: "row" }, d.name, el("div", { class: "muted mono" }, d.dev_eui)),
        el("td", {}, d.model), el("td", {}, since(d.last_seen)),
        el("td", { class: "num" }, d.battery_level !== null ? fmt(d.battery_level, "%") : d.battery_voltage !== null ? fmt(d.battery_voltage, "V") : "–"),
        el("td", {}, d.rssi !== null ? `${d.rssi} dBm / ${fmt(d.snr)} dB` : "–",
          d.frames ? el("div", { class: "muted" }, fmt(100 * (d.frames_lost || 0) / (d.frames + (d.frames_lost || 0))) + " % " + t("dev.loss")) : null)))));
    main.replaceChildren(head, charts, el("section", { class: "card" }, table));
    // Fetch every series first, lay out every card, then draw: a chart sized before its
    // neighbours exist would overflow its card.
    const drawn = [];
    for (const q of qs) {
      let daily, hourly;
      try {
        daily = await api(`/api/v1/sites/${id}/consumption?quantity=${q}&window=day`);
        hourly = await api(`/api/v1/sites/${id}/consumption?quantity=${q}&window=hour`);
      } catch (err) { continue; }
      if (!daily.points.some((p) => p.consumption !== null)) continue;  // the site does not meter it
      const box = el("section", { class: "card chart", "aria-label": t(q) + " – " + t("site.daily") },
        el("h2", {}, t(q), " ", el("span", { class: "muted" }, "Σ " + fmt(daily.total, daily.unit))));
      const plotDaily = el("div", { class: "plot" }), plotHourly = el("div", { class: "plot" });
      box.append(el("h3", {}, t("site.daily")), plotDaily, el("h3", {}, t("site.hourly")), plotHourly);
      if (site.floor_area_m2) {
        box.append(el("p", {}, t("site.intensity") + " : " + fmt(daily.total / site.floor_area_m2, daily.unit + "/m²")));
      }
      charts.append(box);
      drawn.push([plotDaily, daily, plotHourly, hourly, q]);
    }
    for (const [plotDaily, daily, plotHourly, hourly, q] of drawn) {
      chart(plotDaily, daily.points, t(q), daily.unit, false);
      chart(plotHourly, hourly.points, t(q), hourly.unit, true);
    }
    const shown = drawn.length;
    if (!shown) charts.append(el("p", { class: "card" }, t("site.none")));
  }

  async function renderDevices() {
    const file = el("input", { id: "csv", type: "file", accept: ".csv,text/csv" });
    const report = el("div", { "aria-live": "polite" });
    async function send(dryRun) {
      if (!file.files.length) return;
      const text = await file.files[0].text();
      try {
        const res = await api("/api/v1/devices/import?dry_run=" + dryRun, { method: "POST", body: text, headers: { "Content-Type": "text/csv" } });
        const msg = res.errors.length ? t("devices.bad", { n: res.errors.length }) : t(dryRun ? "devices.ok" : "devices.done", { n: res.imported });
        report.replaceChildren(el("p", { class: res.errors.length ? "error" : "good", role: "status" }, msg),
          res.errors.length ? el("table", {}, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("devices.line")), el("th", { scope: "col" }, t("devices.reason")))),
            el("tbody", {}, res.errors.map((e) => el("tr", {}, el("td", { class: "num" }, e.line), el("td", {}, e.reason))))) : null);
        if (!dryRun && !res.errors.length) renderDevices();
      } catch (err) { report.replaceChildren(el("p", { class: "error", role: "alert" }, t("error") + " : " + err.message)); }
    }
    const [devices, quarantine] = await Promise.all([api("/api/v1/devices?limit=1000"), api("/api/v1/quarantine")]);
    main.replaceChildren(el("h1", {}, t("devices.title")),
      el("section", { class: "card" }, el("h2", {}, t("devices.import")),
        el("label", { for: "csv" }, t("devices.file")), file,
        el("div", { class: "buttons" }, el("button", { type: "button", onclick: () => send(true) }, t("devices.check")),
          el("button", { type: "button", onclick: () => send(false) }, t("devices.apply"))), report),
      el("section", { class: "card" }, el("h2", {}, t("devices.quarantine")),
        quarantine.items.length ? el("ul", {}, quarantine.items.map((q) => el("li", { class: "mono" }, `${q.dev_eui} — ${q.uplinks} ${t("devices.uplinks")}, ${since(q.last_seen)}`))) : el("p", {}, t("devices.none"))),
      el("section", { class: "card" }, el("h2", {}, t("devices.list")),
        el("table", {}, el("tbody", {}, devices.items.map((d) => el("tr", {}, el("td", { class: "mono" }, d.dev_eui), el("td", {}, d.name), el("td", {}, d.model), el("td", {}, since(d.last_seen))))))));
  }

  function evidence(alert) {
    const nights = alert.evidence && alert.evidence.night_min_flow_m3h;
    if (!nights) return null;
    return el("table", { class: "evidence" },
      el("caption", {}, t("alerts.evidence")),
      el("tbody", {}, nights.map((n) => el("tr", {},
        el("th", { scope: "row" }, t("alerts.night") + " " + new Date(n.night).toLocaleDateString(state.lang === "fr" ? "fr-FR" : "en-GB")),
        el("td", { class: "num" }, t("alerts.minflow") + " " + fmt(n.min_m3h * 1000, "L/h"))))));
  }

  // The API's messages are English; the page words them in the reader's language from the evidence.
  function alertText(a) {
    const ev = a.evidence || {};
    if (state.lang !== "fr") return a.message;
    if (a.kind === "leak" && ev.night_min_flow_m3h) {
      const low = Math.min(...ev.night_min_flow_m3h.map((n) => n.min_m3h));
      return `L'eau a coulé chaque heure de la nuit pendant ${ev.night_min_flow_m3h.length} nuits ` +
        `(au moins ${fmt(low * 1000, "L/h")}, seuil ${fmt(ev.threshold_m3h * 1000, "L/h")}) : fuite probable.`;
    }
    if (a.kind === "silent_device") return `Aucune trame ${ev.last_seen ? "depuis " + new Date(ev.last_seen).toLocaleString("fr-FR") : "depuis l'installation"}.`;
    if (a.kind === "silent_site") return `Les ${ev.devices.length} capteurs du site sont muets : vérifier la passerelle ou l'alimentation du bâtiment.`;
    if (a.kind === "low_battery") return `Pile faible (${ev.battery_level !== null ? fmt(ev.battery_level, "%") : fmt(ev.battery_voltage, "V")}) : prévoir son remplacement.`;
    if (a.kind === "poor_link") return `${fmt(ev.loss_pct, "%")} des trames perdues : vérifier l'antenne ou la position du capteur.`;
    return a.message;
  }

  async function renderAlerts() {
    const alerts = await api("/api/v1/alerts?status=open");
    const cards = alerts.items.map((a) => el("article", { class: "card alert" },
      el("h2", {}, t(a.kind), " ", el("span", { class: "muted" }, t("alerts.since") + " " +
        new Date(a.started_at).toLocaleString(state.lang === "fr" ? "fr-FR" : "en-GB"))),
      el("p", {}, alertText(a)), evidence(a),
      a.acknowledged_at ? el("p", { class: "muted" }, t("alerts.acked") + " " + a.acknowledged_by)
        : allows("technician") ? el("button", { type: "button", onclick: async () => {
          await api(`/api/v1/alerts/${a.id}/acknowledge`, { method: "POST" }); renderAlerts();
        } }, t("alerts.ack")) : null));
    main.replaceChildren(el("h1", {}, t("alerts.title")), cards.length ? el("div", {}, cards) : el("p", { class: "card" }, t("alerts.none")));
  }

  async function route() {
    if (!state.key) return renderLogin();
    try {
      if (!state.me) { state.me = await api("/api/v1/me"); applyStatic(); }
      const hash = location.hash || "#/";
      const site = hash.match(/^#\/sites\/(\d+)/);
      if (site) await renderSite(site[1]);
      else if (hash.startsWith("#/devices") && allows("operator")) await renderDevices();
      else if (hash.startsWith("#/alerts")) await renderAlerts();
      else await renderOverview();
      main.focus();
    } catch (err) {
      if (state.key) main.replaceChildren(el("p", { class: "error", role: "alert" }, t("error") + " : " + err.message));
    }
  }

  document.getElementById("lang").addEventListener("change", (ev) => {
    state.lang = ev.target.value; localStorage.setItem("releve.lang", state.lang); applyStatic(); route();
  });
  document.getElementById("logout").addEventListener("click", logout);
  window.addEventListener("hashchange", route);
  applyStatic();
  route();
})();
