"use strict";
// Devices (operators): import a CSV with a dry-run report, unknown devices heard, the list.
(function (R) {
  const { t, el } = R;

  // One device: the same rules as a CSV row; a site that does not exist yet is created.
  function provisionForm(models, sites, prefill, done) {
    const field = (id, label, input, help) => el("div", { class: "field" }, el("label", { for: id }, label), input,
      help ? el("p", { id: id + "-help", class: "help" }, help) : null);
    const eui = el("input", { id: "p-eui", name: "dev_eui", required: true, value: prefill || "", autocomplete: "off",
"aria-describedby": "p-eui-help", class: "mono" });
    const name = el("input", { id: "p-name", name: "name", required: true, maxlength: "200" });
    const model = el("select", { id: "p-model", name: "model", required: true },
      el("option", { value: "" }, t("provision.choose")),
      models.map((m) => el("option", { value: m.model_id }, m.model_id + " — " + m.name)));
    const site = el("input", { id: "p-site", name: "site", required: true, list: "p-sites", maxlength: "200", "aria-describedby": "p-site-help" });
    const point = el("input", { id: "p-point", name: "metering_point", maxlength: "120", "aria-describedby": "p-point-help" });
    const result = el("div", { "aria-live": "polite" });
    const form = el("form", { class: "grid-form", onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const d = await R.api("/api/v1/devices", { method: "POST", json: { dev_eui: eui.value, name: name.value, model: model.value,
          site: site.value, metering_point: point.value || null } });
        done(t("provision.done", { name: d.name, eui: d.dev_eui }));
      } catch (err) { result.replaceChildren(el("p", { class: "error", role: "alert" }, R.labelled(t("error"), err.message))); }
    } },
      field("p-eui", "DevEUI", eui, t("provision.euiHelp")), field("p-name", t("dev.name"), name),
      field("p-model", t("dev.model"), model), field("p-site", t("overview.site"), site, t("provision.siteHelp")),
      el("datalist", { id: "p-sites" }, sites.map((x) => el("option", { value: x.name }))),
      field("p-point", t("dev.point"), point, t("provision.pointHelp")),
      el("div", { class: "buttons" }, el("button", { type: "submit" }, t("provision.submit"))), result);
    return form;
  }

  async function renderDevices(main, params) {
    const file = el("input", { id: "csv", type: "file", accept: ".csv,text/csv", "aria-describedby": "csv-help" });
    const report = el("div", { id: "import-report", "aria-live": "polite" });
    async function send(dryRun) {
      if (!file.files.length) {
        report.replaceChildren(el("p", { class: "error", role: "alert" }, t("devices.pick")));
        file.focus();
        return;
      }
      const text = await file.files[0].text();
      try {
        const res = await R.api("/api/v1/devices/import?dry_run=" + dryRun, { method: "POST", body: text, headers: { "Content-Type": "text/csv" } });
        const msg = res.errors.length ? t("devices.bad", { n: res.errors.length }) : t(dryRun ? "devices.ok" : "devices.done", { n: res.imported });
        report.replaceChildren(el("div", {}, el("p", { class: res.errors.length ? "error" : "good", role: "status" }, msg),
          res.errors.length ? el("table", {}, el("caption", {}, t("devices.errors")),
            el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("devices.line")), el("th", { scope: "col" }, t("devices.reason")))),
            el("tbody", {}, res.errors.map((e) => el("tr", {}, el("td", { class: "num" }, e.line), el("td", {}, e.reason))))) : null));
        if (!dryRun && !res.errors.length) { await renderDevices(main); R.announce(msg); }
      } catch (err) { report.replaceChildren(el("p", { class: "error", role: "alert" }, R.labelled(t("error"), err.message))); }
    }
    const [devices, quarantine, sites, models] = await Promise.all([R.api("/api/v1/devices?limit=1000"), R.api("/api/v1/quarantine"),
      R.api("/api/v1/sites?limit=1000"), R.api("/api/v1/models")]);
    const prefill = params && params.get("eui");
    const provision = provisionForm(models, sites.items, prefill, async (msg) => {
      R.state.flash = msg;  // shown by the page drawn next, which lists the new device
      if (prefill) location.hash = "#/devices"; else await renderDevices(main, params);
    });
    const flash = R.state.flash || "";
    R.state.flash = null;
    const siteName = Object.fromEntries(sites.items.map((s) => [s.id, s.name]));
    const list = R.sortableTable({ id: "devices", caption: t("devices.list"), captionHidden: true, rows: devices.items, sort: { key: "name", dir: 1 },
      columns: [
        { key: "name", label: t("dev.name"), header: true, value: (d) => d.name.toLowerCase(), cell: (d) => d.name },
        { key: "eui", label: "DevEUI", value: (d) => d.dev_eui, cell: (d) => el("span", { class: "mono" }, d.dev_eui) },
        { key: "model", label: t("dev.model"), value: (d) => d.model, cell: (d) => d.model },
        { key: "site", label: t("overview.site"), value: (d) => siteName[d.site_id] || null,
          cell: (d) => d.site_id ? el("a", { href: "#/sites/" + d.site_id }, siteName[d.site_id] || d.site_id) : "–" },
        { key: "seen", label: t("dev.seen"), value: (d) => d.last_seen ? -new Date(d.last_seen).getTime() : null, cell: (d) => R.since(d.last_seen) },
      ] });
    main.replaceChildren(el("h1", {}, t("devices.title")),
      el("p", { id: "devices-status", role: "status", class: "good" }, flash),
      el("section", { class: "card", "aria-labelledby": "provision-title" }, el("h2", { id: "provision-title" }, t("provision.title")), provision),
      el("section", { class: "card", "aria-labelledby": "import-title" }, el("h2", { id: "import-title" }, t("devices.import")),
        el("div", { class: "field" }, el("label", { for: "csv" }, t("devices.file")), file),
        el("p", { id: "csv-help", class: "help" }, t("devices.help")),
        el("div", { class: "buttons" }, el("button", { type: "button", onclick: () => send(true) }, t("devices.check")),
          el("button", { type: "button", class: "secondary", onclick: () => send(false) }, t("devices.apply"))), report),
      el("section", { class: "card" }, el("h2", {}, t("devices.quarantine")),
        quarantine.items.length ? el("ul", { class: "quarantine" }, quarantine.items.map((q) => el("li", {},
          el("span", { class: "mono" }, q.dev_eui), ` — ${t("devices.heard", { n: q.uplinks })}, ${R.since(q.last_seen)} `,
          el("a", { href: "#/devices?eui=" + q.dev_eui, class: "button secondary" }, t("provision.this"),
            el("span", { class: "sr-only" }, " " + q.dev_eui)))))
          : el("p", {}, t("devices.none"))),
      el("section", { class: "card" }, el("h2", {}, t("devices.list")), el("div", { class: "scroll" }, list)));
    return t("devices.title");
  }

  R.pages = Object.assign(R.pages || {}, { devices: renderDevices });
})(window.Releve);
