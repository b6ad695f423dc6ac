"use strict";
// Alerts: the open ones (optionally of one site), one alert with its evidence, acknowledgement.
(function (R) {
  const { t, el, fmt } = R;
  const DAY = 86400000;

  // The API's messages are in English: the page words each kind from its evidence, in the
  // reader's language (the API's message when the evidence lacks what the wording needs).
  // Also used by the site page and the monthly report.
  function alertText(a) {
    const ev = a.evidence || {};
    const times = (n) => t("count.times", { n });
    switch (a.kind) {
      case "leak": {
        const nights = ev.night_min_flow_m3h;
        if (!nights || !nights.length) break;
        const low = Math.min(...nights.map((n) => n.min_m3h));
        return t("alertText.leak", { nights: t("count.nights", { n: nights.length }), low: fmt(low * 1000, "L/h"),
          threshold: fmt(ev.threshold_m3h * 1000, "L/h") });
      }
      case "silent_device":
        if (!("last_seen" in ev)) break;
        return ev.last_seen ? t("alertText.silentSince", { at: R.dateTime(ev.last_seen) }) : t("alertText.silentNever");
      case "silent_site":
        if (!ev.devices) break;
        return t("alertText.silentSite", { n: ev.devices.length });
      case "low_battery": {
        const level = ev.battery_level !== null && ev.battery_level !== undefined ? fmt(ev.battery_level, "%")
          : ev.battery_voltage !== null && ev.battery_voltage !== undefined ? fmt(ev.battery_voltage, "V") : null;
        if (level === null) break;
        return t("alertText.lowBattery", { level });
      }
      case "poor_link":
        if (ev.loss_pct === undefined) break;
        return t("alertText.poorLink", { loss: fmt(ev.loss_pct, "%") });
      case "abnormal_consumption":
        if (!ev.day) break;
        return t("alertText.abnormal", { day: R.date(ev.day + "T12:00:00"), value: fmt(ev.consumption, ev.unit),
          ratio: fmt(ev.ratio, null, 1), median: fmt(ev.median, ev.unit) });
      case "lighting_daylight":
        if (!ev.hours) break;
        return t("alertText.lighting", { hours: t("count.hours", { n: ev.hours.length }),
          threshold: fmt(ev.threshold_kwh_per_hour, "kWh"), margin: ev.margin_min });
      case "meter_anomaly":
        if (!ev.occurrences) break;
        return t("alertText.meterAnomaly", { times: times(ev.count || ev.occurrences.length) });
      case "device_alarm": {
        const seen = ev.occurrences || [];
        if (!seen.length || t("alarm." + ev.alarm) === "alarm." + ev.alarm) break;
        return t("alertText.deviceAlarm", { what: t("alarm." + ev.alarm), times: times(seen.length),
          at: R.dateTime(seen[seen.length - 1].at) });
      }
    }
    return a.message;
  }
  R.alertText = alertText;

  // Evidence of the consumption alerts (climate rules): a chart and a table from the alert itself.
  function ruleEvidence(a) {
    const ev = a.evidence || {};
    if (a.kind === "abnormal_consumption" && ev.history) {
      const days = [...ev.history, { day: ev.day, consumption: ev.consumption }];
      const xs = days.map((d) => new Date(d.day + "T12:00:00"));
      return R.chart({ title: t("alerts.abnormalChart"), unit: ev.unit, tick: "day", xs,
        summary: t("alerts.abnormalSummary", { value: fmt(ev.consumption, ev.unit), median: fmt(ev.median, ev.unit), ratio: fmt(ev.ratio, null, 1) }),
        series: [{ label: t(ev.quantity), values: days.map((d) => d.consumption), kind: "bars" },
          { label: t("alerts.median"), values: xs.map(() => ev.median), color: R.COLORS.previous, dash: [6, 4] }] });
    }
    if (a.kind === "lighting_daylight" && ev.hours && ev.hours.length) {
      const xs = ev.hours.map((h) => new Date(h.hour));
      return R.chart({ title: t("alerts.lightingChart"), unit: "kWh", tick: "hour", xs,
        summary: t("alerts.lightingSummary", { n: ev.hours.length, threshold: fmt(ev.threshold_kwh_per_hour, "kWh") }),
        series: [{ label: t("energy_import"), values: ev.hours.map((h) => h.kwh), kind: "bars" },
          { label: t("alerts.threshold"), values: xs.map(() => ev.threshold_kwh_per_hour), color: R.COLORS.limit, dash: [8, 4] }] });
    }
    if (a.kind === "meter_anomaly" && ev.occurrences) {
      return el("table", { class: "evidence" }, el("caption", {}, t("alerts.evidence")),
        el("thead", {}, el("tr", {}, ["alerts.when", "alerts.before", "alerts.after", "alerts.detail"].map((k) => el("th", { scope: "col" }, t(k))))),
        el("tbody", {}, ev.occurrences.map((o) => el("tr", {}, el("th", { scope: "row" }, R.dateTime(o.at)),
          el("td", { class: "num" }, o.previous ? fmt(o.previous.value) : "–"), el("td", { class: "num" }, fmt(o.value)), el("td", {}, o.detail)))));
    }
    return null;
  }

  function nightsTable(alert) {
    const nights = alert.evidence && alert.evidence.night_min_flow_m3h;
    if (!nights) return null;
    return el("table", { class: "evidence" },
      el("caption", {}, t("alerts.evidence")),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("alerts.nightCol")), el("th", { scope: "col" }, t("alerts.minflow")))),
      el("tbody", {}, nights.map((n) => el("tr", {},
        el("th", { scope: "row" }, t("alerts.night") + " " + R.date(n.night)),
        el("td", { class: "num" }, fmt(n.min_m3h * 1000, "L/h"))))));
  }

  // A leak's evidence: the meter's hourly flow over the nights in question, the threshold drawn.
  async function leakChart(alert) {
    const ev = alert.evidence || {};
    const nights = ev.night_min_flow_m3h;
    if (!alert.dev_eui || !nights || !nights.length) return null;
    // A night is named by its morning: from the noon before the first night to a day after the
    // last one's noon (or now).
    const first = new Date(nights[0].night + "T12:00:00"), last = new Date(nights[nights.length - 1].night + "T12:00:00");
    const params = new URLSearchParams({ quantity: "water_volume", window: "hour",
      start: new Date(first.getTime() - DAY).toISOString(), end: new Date(Math.min(Date.now(), last.getTime() + DAY)).toISOString() });
    const s = await R.api(`/api/v1/devices/${alert.dev_eui}/consumption?` + params);
    const xs = s.points.map((p) => new Date(p.start));
    const flow = s.points.map((p) => p.consumption === null ? null : p.consumption * 1000 * 3600000 / (new Date(p.end) - new Date(p.start)));
    const threshold = ev.threshold_m3h * 1000;
    const low = Math.min(...nights.map((n) => n.min_m3h)) * 1000;
    // The hour under way is partial (its flow so far spread over the whole hour): drawn apart.
    const figure = R.chart({ title: t("alerts.flowChart", { n: nights.length }), unit: "L/h", tick: "hour", xs, height: 240,
      partial: R.windowUnderWay(s.points),
      summary: t("alerts.flowSummary", { n: nights.length, low: fmt(low, "L/h"), threshold: fmt(threshold, "L/h") }),
      series: [{ label: t("alerts.flow"), values: flow, kind: "bars" },
        { label: t("alerts.threshold"), values: xs.map(() => threshold), color: R.COLORS.limit, dash: [8, 4] }] });
    return figure;
  }

  function ackButton(a, after, context) {
    if (a.acknowledged_at) return el("p", { class: "muted" }, t("alerts.acked") + " " + a.acknowledged_by + ", " + R.dateTime(a.acknowledged_at));
    if (!R.allows("technician")) return null;
    return el("button", { type: "button", onclick: async (ev) => {
      ev.target.disabled = true;
      await R.api(`/api/v1/alerts/${a.id}/acknowledge`, { method: "POST" });
      R.announce(t("alerts.ackDone"));
      after();
    } }, t("alerts.ack"), context ? el("span", { class: "sr-only" }, R.labelled("", context)) : null);
  }

  async function siteNames() {
    const sites = await R.api("/api/v1/sites?limit=1000");
    return Object.fromEntries(sites.items.map((s) => [s.id, s.name]));
  }

  async function renderAlerts(main, params) {
    const site = params.get("site");
    const [alerts, sites] = await Promise.all([
      R.api("/api/v1/alerts?status=open&limit=1000" + (site ? "&site_id=" + encodeURIComponent(site) : "")), siteNames()]);
    const cards = alerts.items.map((a) => el("article", { class: "card alert", "aria-labelledby": "alert-" + a.id },
      el("h2", { id: "alert-" + a.id }, t(a.kind), " ", el("span", { class: "muted" },
        (sites[a.site_id] ? sites[a.site_id] + " · " : "") + t("alerts.since") + " " + R.dateTime(a.started_at))),
      el("p", {}, alertText(a)), nightsTable(a),
      el("div", { class: "buttons" }, el("a", { class: "button secondary", href: "#/alerts/" + a.id }, t("alerts.details"),
        el("span", { class: "sr-only" }, R.labelled("", t(a.kind) + (sites[a.site_id] ? ", " + sites[a.site_id] : "")))),
      ackButton(a, () => renderAlerts(main, params), t(a.kind) + (sites[a.site_id] ? ", " + sites[a.site_id] : "")))));
    const title = site && sites[site] ? t("alerts.titleSite", { site: sites[site] }) : t("alerts.title");
    main.replaceChildren(el("h1", {}, title),
      el("div", {}, site ? el("p", {}, el("a", { href: "#/alerts" }, t("alerts.all"))) : null,
        cards.length ? cards : el("p", { class: "card" }, t("alerts.none"))));
    return title;
  }

  async function renderAlert(main, id) {
    const [a, sites] = await Promise.all([R.api("/api/v1/alerts/" + id), siteNames()]);
    const card = el("article", { class: "card alert" },
      el("h1", {}, t(a.kind), " ", el("span", { class: "muted" }, sites[a.site_id] || "")),
      el("p", {}, alertText(a)),
      el("dl", { class: "inline" },
        el("dt", {}, t("alerts.started")), el("dd", {}, R.dateTime(a.started_at)),
        el("dt", {}, t("alerts.updated")), el("dd", {}, R.dateTime(a.updated_at)),
        a.ended_at ? [el("dt", {}, t("alerts.ended")), el("dd", {}, R.dateTime(a.ended_at))] : null,
        a.dev_eui ? [el("dt", {}, t("alerts.device")), el("dd", { class: "mono" }, a.dev_eui)] : null,
        a.site_id ? [el("dt", {}, t("overview.site")), el("dd", {}, el("a", { href: "#/sites/" + a.site_id }, sites[a.site_id] || a.site_id))] : null));
    main.replaceChildren(el("p", { class: "crumbs" }, el("a", { href: "#/alerts" }, t("alerts.back"))), card);
    const chart = a.kind === "leak" ? await leakChart(a).catch(() => null) : ruleEvidence(a);
    if (chart) { card.append(chart); if (chart.draw) chart.draw(); }
    const table = nightsTable(a);
    if (table) card.append(table);
    else if (!chart && a.evidence && Object.keys(a.evidence).length) {
      // Other kinds: the evidence's fields as they are (a silent device's last frame, a battery level).
      card.append(el("h2", {}, t("alerts.evidence")), el("dl", { class: "inline" }, Object.entries(a.evidence).map(([k, v]) =>
        [el("dt", { class: "mono" }, k), el("dd", { class: typeof v === "object" && v !== null ? "mono" : null },
          typeof v === "object" && v !== null ? JSON.stringify(v) : String(v))])));
    }
    const ack = ackButton(a, () => renderAlert(main, id));
    if (ack) card.append(el("div", { class: "buttons" }, ack));
    return t(a.kind);
  }

  R.pages = Object.assign(R.pages || {}, { alerts: renderAlerts, alert: renderAlert });
})(window.Releve);
