"use strict";
// A site: this month per quantity (consumption, change, intensity per m², cost), consumption
// charts per hour / day / month with the previous period overlaid, degree-day normalized
// heating, comfort against targets, its devices (last seen, battery, link), meter replacement.
(function (R) {
  const { t, el, fmt } = R;
  const QUANTITIES = ["water_volume", "hot_water_volume", "energy_import", "gas_volume", "heat_energy", "energy_export"];
  const DAY = 86400000;
  // Per window: the span shown and how far back the overlaid previous period is.
  const SPANS = {
    hour: { span: 2 * DAY, back: 7 * DAY, previous: "previous.week" },
    day: { span: 31 * DAY, back: 28 * DAY, previous: "previous.4weeks" },
    month: { span: 365 * DAY, back: 365 * DAY, previous: "previous.year" },
  };
  const q = (params) => new URLSearchParams(params).toString();

  function series(id, quantity, windowName, start, end) {
    return R.api(`/api/v1/sites/${id}/consumption?` + q({ quantity, window: windowName, start: start.toISOString(), end: end.toISOString() }));
  }

  // A card whose chart window (hour/day/month) is chosen with radio buttons.
  function windowed(title, name, windows, initial, load) {
    const body = el("div", { class: "windowed", "aria-live": "polite" });
    const choose = async (w) => {
      body.setAttribute("aria-busy", "true");
      try {
        const figure = await load(w);
        body.replaceChildren(figure);
        if (figure.draw) figure.draw(); else R.drawAll(body);
      } catch (err) {
        body.replaceChildren(el("p", { class: "error" }, R.labelled(t("error"), err.message)));
      }
      body.removeAttribute("aria-busy");
    };
    let current = initial;
    const group = el("fieldset", { class: "switch" }, el("legend", { class: "sr-only" }, t("chart.window")),
      windows.map((w) => el("label", {}, el("input", { type: "radio", name, value: w, checked: w === initial,
        onchange: () => { current = w; choose(w); } }), t("window." + w))));
    const card = el("section", { class: "card chart" }, el("h2", {}, title), group, body);
    card.start = () => choose(initial);
    card.reload = () => choose(current);
    return card;
  }

  async function consumptionFigure(id, quantity, w) {
    const end = new Date(), start = new Date(end.getTime() - SPANS[w].span);
    if (w === "month") start.setDate(1);
    const back = SPANS[w].back;
    const [now, before] = await Promise.all([series(id, quantity, w, start, end),
      series(id, quantity, w, new Date(start.getTime() - back), new Date(end.getTime() - back))]);
    const xs = now.points.map((p) => new Date(p.start));
    const values = now.points.map((p) => p.consumption);
    const partial = R.windowUnderWay(now.points);
    // The previous window matching each one (daylight-saving changes move starts by an hour).
    const tolerance = { hour: 1800000, day: DAY / 2, month: 15 * DAY }[w];
    const prev = xs.map((x) => {
      const p = before.points.find((b) => Math.abs(new Date(b.start).getTime() + back - x.getTime()) <= tolerance);
      return p ? p.consumption : null;
    });
    const peak = Math.max(...values.filter((v) => v !== null), 0);
    const summary = t("chart.summary", { what: t(quantity), total: covered(now, w), previous: covered(before, w),
      period: t(SPANS[w].previous), peak: fmt(peak, now.unit) }) + (partial >= 0 ? " " + t("chart.partialSummary." + w) : "");
    const figure = R.chart({ title: t("window.title." + w), unit: now.unit, tick: w, xs, summary, partial, series: [
      { label: t("chart.current"), values, kind: "bars" },
      { label: t(SPANS[w].previous), values: prev, color: R.COLORS.previous, dash: [6, 4] }] });
    figure.prepend(el("p", { class: "total" }, "Σ " + covered(now, w), el("span", { class: "muted" },
      " · " + t(SPANS[w].previous) + " " + covered(before, w))));
    return figure;
  }

  // A series' total, said honestly: "no data" when no window has readings, and how many windows
  // do when only some have ("4 semaines avant 0 m³" meant "nothing was read then").
  function covered(series, w) {
    const known = series.points.filter((p) => p.consumption !== null).length;
    if (!known) return t("chart.noData");
    const total = fmt(series.total, series.unit);
    return known < series.points.length ? total + " (" + t("coverage." + w, { n: known, total: series.points.length }) + ")" : total;
  }

  // This month so far, in the town's time zone: the last window of a monthly series.
  async function monthFacts(site, quantity, monthly) {
    const current = monthly.points[monthly.points.length - 1];
    const range = { start: current.start, end: new Date().toISOString() };
    const [compare, intensity, cost] = await Promise.all([
      R.optional(`/api/v1/sites/${site.id}/compare?` + q({ quantity, window: "month", reference: "previous_year", ...range })),
      site.floor_area_m2 ? R.optional(`/api/v1/sites/${site.id}/intensity?` + q({ quantity, ...range })) : null,
      R.optional(`/api/v1/sites/${site.id}/cost?` + q({ quantity, window: "month", ...range })),
    ]);
    const total = compare ? compare.current.total : current.consumption || 0;
    const facts = [[t("site.month"), fmt(total, monthly.unit)]];
    if (compare) {
      const read = compare.reference && compare.reference.points.some((p) => p.consumption !== null);
      facts.push([t("overview.trend"), compare.change_pct !== null ? R.pct(compare.change_pct)
        : el("span", { class: "muted" }, read ? R.labelled(t("site.lastYear"), fmt(compare.reference.total, monthly.unit)) : t("site.noLastYear"))]);
    }
    if (intensity) facts.push([t("site.intensity"), fmt(intensity.intensity, intensity.unit, 3)]);
    else if (site.floor_area_m2) facts.push([t("site.intensity"), fmt(total / site.floor_area_m2, monthly.unit + "/m2", 3)]);
    if (cost && cost.total_cost !== null && cost.total_cost !== undefined) facts.push([t("site.cost"), R.euros(cost.total_cost)]);
    return el("section", { class: "card fact" }, el("h2", {}, t(quantity)),
      el("dl", {}, facts.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])));
  }

  // reference: the DJU of a reference period (e.g. a typical year's) to scale consumption to.
  async function heatingFigure(id, quantity, w, reference, setReference) {
    const end = new Date(), start = new Date(end.getTime() - SPANS[w].span);
    if (w === "month") start.setDate(1);
    const params = { quantity, window: w, start: start.toISOString(), end: end.toISOString() };
    if (reference) params.reference_degree_days = reference;
    const h = await R.api(`/api/v1/sites/${id}/heating?` + q(params));
    const xs = h.points.map((p) => new Date(p.start));
    // A day's degree days need its whole day (Tmin, Tmax): the API counts none for the day under
    // way, and its figures pair the whole days' consumption with their degree days. Today's
    // consumption so far is in its window's bar (drawn as partial) and said apart.
    const partial = R.windowUnderWay(h.points);
    const today = h.today;
    const total = today ? h.total_whole_days : h.total;
    const dju = h.total_degree_days !== null ? h.total_degree_days
      : h.points.reduce((a, p) => a + (p.degree_days || 0), 0);
    const summary = t("heating.summary", { total: fmt(total, h.unit), dju: fmt(dju, null, 0), base: fmt(h.base_temperature) })
      + (today ? " " + t("heating.todayApart") : "");
    const figure = R.chart({ title: t("heating.chart"), unit: h.unit, tick: w, xs, summary, partial, series: [
      { label: t(quantity), values: h.points.map((p) => p.consumption), kind: "bars" },
      { label: t("heating.dju"), values: h.points.map((p) => p.degree_days), color: R.COLORS.second, scale: "dju", unit: t("heating.unit"), hidePartial: w === "day" }] });
    // Days without outdoor temperature leave the totals open: per degree day counts the windows
    // that have both, and the card says how many days lack a temperature.
    const missingDays = h.missing_temperature_days;
    const missing = missingDays ? " · " + t("heating.missing", { n: missingDays }) : "";
    figure.prepend(el("dl", { class: "inline" },
      el("dt", {}, t(today ? "heating.totalWhole" : "heating.total")), el("dd", {}, fmt(total, h.unit)),
      el("dt", {}, t("heating.dju")), el("dd", {}, fmt(dju, null, 0) +
        " (" + t("heating.base", { base: fmt(h.base_temperature) }) + ")" + missing),
      el("dt", {}, t("heating.perDju")), el("dd", {}, fmt(h.per_degree_day, h.unit + "/" + t("heating.unit"))),
      h.normalized !== null && h.normalized !== undefined ? [el("dt", {}, t("heating.normalized")),
        el("dd", {}, fmt(h.normalized, h.unit) + (reference ? " (" + fmt(reference, t("heating.unit"), 0) + ")" : ""))] : null,
      today ? [el("dt", {}, t("heating.today")), el("dd", {}, t("heating.todaySoFar", { value: fmt(today.consumption, h.unit) }))] : null));
    const input = el("input", { id: "heating-ref", type: "number", min: "1", max: "10000", step: "any", value: reference || "",
      "aria-describedby": "heating-ref-help" });
    figure.append(el("form", { class: "inline-form", onsubmit: (ev) => { ev.preventDefault(); setReference(Number(input.value) || null); } },
      el("label", { for: "heating-ref" }, t("heating.reference")), input,
      el("button", { type: "submit", class: "secondary" }, t("heating.normalize")),
      el("p", { id: "heating-ref-help", class: "help" }, t("heating.referenceHelp"))),
      el("p", { class: "help" }, t("heating.method", { base: fmt(h.base_temperature) })));
    return figure;
  }

  const TARGETS = { temperature: ["temperature_min", "temperature_max"], co2: ["co2_max"], humidity: ["humidity_min", "humidity_max"] };
  function comfortCard(comfort) {
    const figures = [];
    for (const d of comfort.devices) {
      for (const qu of d.quantities) {
        if (!qu.days.length) continue;
        const xs = qu.days.map((p) => new Date(p.start));
        const limits = (TARGETS[qu.quantity] || []).map((k) => comfort.targets[k]).filter((v) => v !== null && v !== undefined);
        const outside = qu.share_outside_target;
        const summary = t("comfort.summary", { what: t(qu.quantity), device: d.name,
          share: outside === null || outside === undefined ? "–" : fmt(100 * outside, "%", 0),
          target: limits.map((v) => fmt(v, qu.unit)).join(" – ") });
        // Today's minimum and maximum so far are not a day's (a night's CO₂ is no day's peak): left out.
        const today = qu.days.findIndex((p) => new Date(p.start).getTime() <= Date.now() && Date.now() < new Date(p.start).getTime() + DAY);
        const fig = R.chart({ title: d.name + " — " + t(qu.quantity), unit: qu.unit, tick: "day", xs, summary, height: 180, fromZero: false, partial: today, series: [
          { label: t("comfort.max"), values: qu.days.map((p) => p.max), color: R.COLORS.previous, dash: [2, 3], hidePartial: true },
          { label: t("comfort.mean"), values: qu.days.map((p) => p.mean), hidePartial: true },
          { label: t("comfort.min"), values: qu.days.map((p) => p.min), color: R.COLORS.previous, dash: [2, 3], hidePartial: true },
          ...limits.map((v) => ({ label: t("comfort.target") + " " + fmt(v, qu.unit), values: xs.map(() => v), color: R.COLORS.limit, dash: [8, 4] }))] });
        if (outside !== null && outside !== undefined) fig.prepend(el("p", { class: outside > 0.1 ? "bad" : "good" }, summary));
        figures.push(fig);
      }
    }
    if (!figures.length) return null;
    return el("section", { class: "card" }, el("h2", {}, t("comfort.title")), el("div", { class: "charts" }, figures));
  }

  function replacementDialog(device, quantities, done) {
    const id = "rep-" + device.dev_eui;
    const field = (name, label, input) => el("div", { class: "field" }, el("label", { for: id + name }, label), input);
    const quantity = el("select", { id: id + "quantity", name: "quantity", required: true },
      (device.pulse_quantity ? [device.pulse_quantity] : quantities).map((x) => el("option", { value: x }, t(x))));
    const at = el("input", { id: id + "at", name: "at", type: "datetime-local", required: true });
    const oldIndex = el("input", { id: id + "old", name: "old", type: "number", step: "any", min: "0", required: true });
    const newIndex = el("input", { id: id + "new", name: "new", type: "number", step: "any", min: "0", required: true, value: "0" });
    const note = el("textarea", { id: id + "note", name: "note", rows: "2", maxlength: "500" });
    const error = el("p", { class: "error", role: "alert" });
    const dialog = el("dialog", { "aria-labelledby": id + "title", class: "dialog" });
    const form = el("form", { onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await R.api(`/api/v1/devices/${device.dev_eui}/meter-replacements`, { method: "POST", json: {
          at: new Date(at.value).toISOString(), quantity: quantity.value, old_final_index: Number(oldIndex.value),
          new_initial_index: Number(newIndex.value), note: note.value } });
        dialog.close();
        done(t("replace.done", { name: device.name }));
      } catch (err) { error.textContent = R.labelled(t("error"), err.message); }
    } },
      el("h2", { id: id + "title" }, t("replace.title", { name: device.name })),
      el("p", { class: "help" }, t("replace.help")),
      field("quantity", t("replace.quantity"), quantity), field("at", t("replace.at"), at),
      field("old", t("replace.old"), oldIndex), field("new", t("replace.new"), newIndex),
      field("note", t("replace.note"), note), error,
      el("div", { class: "buttons" }, el("button", { type: "submit" }, t("replace.save")),
        el("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("cancel"))));
    dialog.append(form);
    return dialog;
  }

  function devicesTable(devices, metered, status) {
    const operator = R.allows("operator");
    const dialogs = el("div", {});
    const table = el("table", { id: "site-devices" },
      el("caption", {}, t("site.devices")),
      el("thead", {}, el("tr", {}, ["dev.name", "dev.model", "dev.point", "dev.seen", "dev.battery", "dev.link"].map((k) => el("th", { scope: "col" }, t(k))),
        operator ? el("th", { scope: "col" }, el("span", { class: "sr-only" }, t("dev.actions"))) : null)),
      el("tbody", {}, devices.map((d) => {
        let action = null;
        if (operator && d.metering_point) {
          const dialog = replacementDialog(d, metered, (msg) => { status.textContent = msg; R.announce(msg); });
          dialogs.append(dialog);
          action = el("button", { type: "button", class: "secondary", "aria-haspopup": "dialog",
            onclick: () => dialog.showModal() }, t("replace.open"), el("span", { class: "sr-only" }, R.labelled("", d.name)));
        }
        const loss = d.frames ? 100 * (d.frames_lost || 0) / (d.frames + (d.frames_lost || 0)) : null;
        return el("tr", {},
          el("th", { scope: "row" }, d.name, el("div", { class: "muted mono" }, d.dev_eui)),
          el("td", {}, d.model), el("td", {}, d.metering_point || "–"),
          el("td", {}, R.since(d.last_seen)),
          el("td", { class: "num" }, d.battery_level !== null ? fmt(d.battery_level, "%") : d.battery_voltage !== null ? fmt(d.battery_voltage, "V") : "–"),
          el("td", {}, d.rssi !== null ? `${d.rssi} dBm / ${fmt(d.snr)} dB` : "–",
            loss !== null ? el("div", { class: loss > 10 ? "bad" : "muted" }, fmt(loss, "%") + " " + t("dev.loss")) : null),
          operator ? el("td", {}, action) : null);
      })));
    return el("section", { class: "card" }, el("div", { class: "scroll" }, table), dialogs);
  }

  // The site's open alerts, where the technician looks first: kind, since when, the evidence in
  // a line (the device's name before it), a link to the evidence page.
  function alertsCard(alerts, devices) {
    if (!alerts.length) return null;
    const names = Object.fromEntries(devices.map((d) => [d.dev_eui, d.name]));
    return el("section", { class: "card open-alerts", "aria-labelledby": "site-alerts" },
      el("h2", { id: "site-alerts" }, el("span", { "aria-hidden": "true" }, "⚠ "), t("site.alerts", { n: alerts.length })),
      el("ul", {}, alerts.map((a) => el("li", {},
        el("p", { class: "alert-head" }, el("strong", {}, t(a.kind)), " ",
          el("span", { class: "muted" }, t("alerts.since") + " " + R.dateTime(a.started_at) + " (" + R.since(a.started_at) + ")")),
        el("p", {}, a.dev_eui && names[a.dev_eui] ? R.labelled(names[a.dev_eui], R.alertText(a)) : R.alertText(a)),
        el("a", { href: "#/alerts/" + a.id }, t("alerts.details"), el("span", { class: "sr-only" }, R.labelled("", t(a.kind))))))));
  }

  async function renderSite(main, id) {
    const [site, devices, alerts] = await Promise.all([R.api("/api/v1/sites/" + id), R.api("/api/v1/devices?site_id=" + id + "&limit=1000"),
      R.api("/api/v1/alerts?status=open&limit=100&site_id=" + encodeURIComponent(id))]);
    const end = new Date();
    // Which quantities the site meters: those whose last months hold consumption.
    const yearAgo = new Date(end.getFullYear() - 1, end.getMonth(), 1);
    const found = await Promise.all(QUANTITIES.map((qu) => series(id, qu, "month", yearAgo, end).catch(() => null)));
    const metered = QUANTITIES.filter((qu, i) => found[i] && found[i].points.some((p) => p.consumption !== null));
    const status = el("p", { role: "status", class: "good" });
    const info = [site.address, site.use ? (t("use." + site.use).startsWith("use.") ? site.use : t("use." + site.use)) : null, site.floor_area_m2 ? R.labelled(t("site.area"), fmt(site.floor_area_m2, "m²")) : null].filter(Boolean).join(" · ");
    const month = metered.length ? found[QUANTITIES.indexOf(metered[0])].points.at(-1).start.slice(0, 7) : R.monthKey(end);
    // Everything goes into this page's own container: if the reader navigates away while the
    // slower parts load, they land in a detached node instead of the next page.
    const page = el("div", { class: "site" });
    main.replaceChildren(page);
    page.append(
      el("p", { class: "crumbs" }, el("a", { href: "#/" }, t("site.back"))),
      el("h1", {}, site.name), el("p", { class: "muted" }, info),
      el("p", { class: "buttons" }, el("a", { class: "button", href: `#/sites/${id}/report/${month}` }, t("report.open")),
        el("a", { class: "button secondary", href: `#/alerts?site=${id}` }, t("nav.alerts"))),
      status, alertsCard(alerts.items, devices.items) || "");
    if (!metered.length) page.append(el("p", { class: "card" }, t("site.none")));
    const facts = await Promise.all(metered.map((qu) => monthFacts(site, qu, found[QUANTITIES.indexOf(qu)])));
    if (facts.length) page.append(el("div", { class: "facts" }, facts));
    const cards = metered.map((qu) => windowed(t(qu), "w-" + qu, ["hour", "day", "month"], "day", (w) => consumptionFigure(id, qu, w)));
    const charts = el("div", { class: "charts" }, cards);
    page.append(charts);
    const heated = ["heat_energy", "gas_volume", "energy_import"].find((x) => metered.includes(x));
    // Heating needs an outdoor temperature source (409 without one): the card says so.
    const probe = heated ? R.api(`/api/v1/sites/${id}/heating?` + q({ quantity: heated, window: "day",
      start: new Date(end - 2 * DAY).toISOString(), end: end.toISOString() })).then(() => "ok", (err) => err.status === 409 ? "no-source" : null) : null;
    const [heatProbe, comfort] = await Promise.all([probe,
      R.optional(`/api/v1/sites/${id}/comfort?` + q({ start: new Date(end - 14 * DAY).toISOString(), end: end.toISOString() })),
    ]);
    let heating = null;
    if (heatProbe === "ok") {
      let reference = null;
      const setReference = (value) => { reference = value; heating.reload(); };
      heating = windowed(t("heating.title"), "w-heating", ["day", "month"], "day", (w) => heatingFigure(id, heated, w, reference, setReference));
      page.append(heating);
    } else if (heatProbe === "no-source") {
      page.append(el("section", { class: "card" }, el("h2", {}, t("heating.title")), el("p", { class: "help" }, t("heating.noSource", { id }))));
    }
    const comfortSection = comfort ? comfortCard(comfort) : null;
    if (comfortSection) page.append(comfortSection);
    page.append(devicesTable(devices.items, metered.length ? metered : QUANTITIES.slice(0, 4), status));
    // Lay out every card first, then draw: a chart sized before its neighbours exist would overflow.
    await Promise.all(cards.map((c) => c.start()));
    if (heating) await heating.start();
    if (comfortSection) R.drawAll(comfortSection);
    return site.name;
  }

  R.pages = Object.assign(R.pages || {}, { site: renderSite });
})(window.Releve);
