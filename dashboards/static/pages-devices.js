"use strict";
// Devices (operators): import a CSV with a dry-run report, unknown devices heard, the list.
(function (R) {
  const { t, el } = R;

  async function renderDevices(main) {
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
      } catch (err) { report.replaceChildren(el("p", { class: "error", role: "alert" }, t("error") + " : " + err.message)); }
    }
    const [devices, quarantine, sites] = await Promise.all([R.api("/api/v1/devices?limit=1000"), R.api("/api/v1/quarantine"),
      R.api("/api/v1/sites?limit=1000")]);
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
      el("section", { class: "card", "aria-labelledby": "import-title" }, el("h2", { id: "import-title" }, t("devices.import")),
        el("div", { class: "field" }, el("label", { for: "csv" }, t("devices.file")), file),
        el("p", { id: "csv-help", class: "help" }, t("devices.help")),
        el("div", { class: "buttons" }, el("button", { type: "button", onclick: () => send(true) }, t("devices.check")),
          el("button", { type: "button", class: "secondary", onclick: () => send(false) }, t("devices.apply"))), report),
      el("section", { class: "card" }, el("h2", {}, t("devices.quarantine")),
        quarantine.items.length ? el("ul", {}, quarantine.items.map((q) => el("li", { class: "mono" }, `${q.dev_eui} — ${q.uplinks} ${t("devices.uplinks")}, ${R.since(q.last_seen)}`)))
          : el("p", {}, t("devices.none"))),
      el("section", { class: "card" }, el("h2", {}, t("devices.list")), el("div", { class: "scroll" }, list)));
    return t("devices.title");
  }

  R.pages = Object.assign(R.pages || {}, { devices: renderDevices });
})(window.Releve);
