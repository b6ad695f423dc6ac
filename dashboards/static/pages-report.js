"use strict";
// The monthly report of a site, laid out for A4 paper (see @media print in app.css).
(function (R) {
  const { t, el, fmt } = R;
  const A4_WIDTH_PX = 680;  // 180 mm of printable width at 96 dpi

  function toolbar(id, month) {
    const input = el("input", { id: "report-month", type: "month", value: month, max: R.monthKey(new Date()), required: true });
    return el("form", { class: "toolbar no-print", onsubmit: (ev) => {
      ev.preventDefault();
      if (input.value) location.hash = `#/sites/${id}/report/${input.value}`;
    } },
      el("a", { href: "#/sites/" + id }, t("report.back")),
      el("label", { for: "report-month" }, t("report.month")), input,
      el("button", { type: "submit", class: "secondary" }, t("report.show")),
      el("button", { type: "button", onclick: () => window.print() }, t("report.print")));
  }

  async function renderReport(main, id, month) {
    const r = await R.api(`/api/v1/sites/${id}/report?month=${encodeURIComponent(month)}`);
    const monthName = R.monthName(r.month + "-01");
    const site = r.site;
    const summary = el("table", { class: "report-summary" },
      el("caption", {}, t("report.summary")),
      el("thead", {}, el("tr", {}, ["report.quantity", "report.consumption", "report.previous", "report.change", "report.cost", "report.intensity"]
        .map((k) => el("th", { scope: "col", class: k === "report.quantity" ? null : "num" }, t(k))))),
      el("tbody", {}, r.quantities.map((q) => el("tr", {},
        el("th", { scope: "row" }, t(q.quantity)),
        el("td", { class: "num" }, fmt(q.consumption, q.unit)),
        el("td", { class: "num" }, q.previous_year === null ? el("span", { class: "muted" }, t("report.noData")) : fmt(q.previous_year, q.unit)),
        el("td", { class: "num" }, R.pct(q.change_pct)),
        el("td", { class: "num" }, q.cost === null || q.cost === undefined ? "–" : R.euros(q.cost)),
        el("td", { class: "num" }, q.intensity === null || q.intensity === undefined ? "–" : fmt(q.intensity, q.intensity_unit || q.unit + "/m2", 3))))));
    const total = r.quantities.reduce((a, q) => a + (q.cost || 0), 0);
    const costed = r.quantities.some((q) => q.cost !== null && q.cost !== undefined);
    const sections = r.quantities.map((q) => {
      const xs = q.days.map((p) => new Date(p.start));
      const values = q.days.map((p) => p.consumption);
      const peak = Math.max(...values.filter((v) => v !== null), 0);
      const figure = R.chart({ title: t("report.daily"), unit: q.unit, tick: "day", xs, width: A4_WIDTH_PX, height: 190, partial: R.windowUnderWay(q.days),
        summary: t("report.chartSummary", { what: t(q.quantity), total: fmt(q.consumption, q.unit), peak: fmt(peak, q.unit) }),
        series: [{ label: t(q.quantity), values, kind: "bars" }] });
      return el("section", { class: "report-quantity" }, el("h2", {}, t(q.quantity), " — ", fmt(q.consumption, q.unit),
        q.cost !== null && q.cost !== undefined ? " · " + R.euros(q.cost) : ""),
        figure,
        // "base" is what no tariff period counts: shown only beside named periods (HC, HP...).
        Object.keys(q.periods || {}).some((name) => name !== "base") ? el("p", {}, R.labelled(t("report.periods"),
          Object.entries(q.periods).map(([name, v]) => (name === "base" ? t("report.basePeriod") : name) + " " + fmt(v, q.unit)).join(" · "))) : null,
        q.points.length ? el("div", { class: "scroll" }, el("table", { class: "points" }, el("caption", {}, t("report.points")),
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("dev.point")), el("th", { scope: "col", class: "num" }, t("report.consumption")))),
          el("tbody", {}, q.points.map((p) => el("tr", {}, el("th", { scope: "row" }, p.metering_point), el("td", { class: "num" }, fmt(p.consumption, q.unit))))))) : null);
    });
    const alerts = r.alerts.length ? el("div", { class: "scroll" }, el("table", { class: "report-alerts" },
      el("thead", {}, el("tr", {}, ["report.kind", "report.message", "report.opened", "report.closed"].map((k) => el("th", { scope: "col" }, t(k))))),
      el("tbody", {}, r.alerts.map((a) => el("tr", {}, el("th", { scope: "row" }, t(a.kind)), el("td", {}, R.alertText(a)),
        el("td", {}, R.dateTime(a.opened_at)), el("td", {}, a.closed_at ? R.dateTime(a.closed_at) : t("report.stillOpen")))))))
      : el("p", {}, t("report.noAlerts"));
    const info = [site.address, site.floor_area_m2 ? R.labelled(t("site.area"), fmt(site.floor_area_m2, "m²")) : null].filter(Boolean).join(" · ");
    const title = t("report.title", { site: site.name, month: monthName });
    main.replaceChildren(toolbar(id, r.month), el("article", { class: "report" },
      el("header", {}, el("p", { class: "muted" }, "releve · " + t("report.kicker")), el("h1", {}, title),
        info ? el("p", {}, info) : null),
      r.quantities.length ? el("div", { class: "scroll" }, summary) : el("p", {}, t("site.none")),
      r.quantities.some((q) => q.previous_year === null) ? el("p", { class: "help" }, t("report.noLastYear")) : null,
      costed ? el("p", { class: "total" }, R.labelled(t("report.totalCost"), R.euros(total))) : null,
      sections, el("section", { class: "report-alerts" }, el("h2", {}, t("report.alerts")), alerts),
      el("footer", { class: "muted" }, t("report.generated", { at: R.dateTime(r.generated_at), tz: r.timezone }))));
    R.drawAll(main);
    document.title = title + " — releve";
    return title;
  }

  R.pages = Object.assign(R.pages || {}, { report: renderReport });
})(window.Releve);
