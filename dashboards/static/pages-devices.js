"use strict";
// Devices (operators): provision one or change one (#/devices?edit=EUI), import the spreadsheet
// with its diff, the unknown devices heard, the devices and the buildings with their actions.
(function (R) {
  const { t, el } = R;

  async function renderDevices(main, params) {
    const [devices, quarantine, ignored, sites, models] = await Promise.all([R.api("/api/v1/devices?limit=1000"),
      R.api("/api/v1/quarantine"), R.api("/api/v1/quarantine?ignored=true"), R.api("/api/v1/sites?limit=1000"), R.api("/api/v1/models")]);
    const prefill = params && params.get("eui");
    const editEui = params && params.get("edit");
    const editSite = params && params.get("site");
    // After an action: its result stays visible at the top of the page drawn next.
    async function done(msg) {
      R.state.flash = msg;
      R.announce(msg);
      if (params && (prefill || editEui || editSite)) location.hash = "#/devices";
      else await renderDevices(main, params);
    }
    const flash = R.state.flash || "";
    R.state.flash = null;
    const edited = editEui ? devices.items.find((d) => d.dev_eui === editEui) : null;
    const form = R.ops.deviceForm(models, sites.items, { device: edited, prefill, done,
      cancel: () => { location.hash = "#/devices"; } });
    const siteName = Object.fromEntries(sites.items.map((s) => [s.id, s.name]));
    const list = R.sortableTable({ id: "devices", caption: t("devices.list"), captionHidden: true, rows: devices.items, sort: { key: "name", dir: 1 },
      columns: [
        { key: "name", label: t("dev.name"), header: true, value: (d) => d.name.toLowerCase(), cell: (d) => d.name },
        { key: "eui", label: "DevEUI", value: (d) => d.dev_eui, cell: (d) => el("span", { class: "mono" }, d.dev_eui) },
        { key: "model", label: t("dev.model"), value: (d) => d.model, cell: (d) => d.model },
        { key: "site", label: t("overview.site"), value: (d) => siteName[d.site_id] || null,
          cell: (d) => d.site_id ? el("a", { href: "#/sites/" + d.site_id }, siteName[d.site_id] || d.site_id) : "–" },
        { key: "status", label: t("ops.status"), value: (d) => d.status,
          cell: (d) => el("span", { class: d.status === "active" ? "" : "bad" }, t("status." + d.status)) },
        { key: "seen", label: t("dev.seen"), value: (d) => d.last_seen ? -new Date(d.last_seen).getTime() : null, cell: (d) => R.since(d.last_seen) },
        { key: "edit", label: t("dev.actions"), value: () => null,
          cell: (d) => el("a", { href: "#/devices?edit=" + d.dev_eui, class: "button secondary" }, t("ops.edit"),
            el("span", { class: "sr-only" }, " " + d.name)) },
      ] });
    const counts = {};
    for (const d of devices.items) counts[d.site_id] = (counts[d.site_id] || 0) + 1;
    const siteResult = el("div", { "aria-live": "polite" });
    const siteRows = sites.items.map((s) => el("tr", {},
      el("th", { scope: "row" }, el("a", { href: "#/sites/" + s.id }, s.name)), el("td", {}, s.address || "–"),
      el("td", { class: "num" }, counts[s.id] || 0),
      el("td", {}, el("div", { class: "buttons" },
        el("a", { href: "#/devices?site=" + s.id, class: "button secondary" }, t("ops.edit"), el("span", { class: "sr-only" }, " " + s.name)),
        counts[s.id] ? null : el("button", { type: "button", class: "danger", onclick: async () => {
          if (!window.confirm(t("sites.removeConfirm", { name: s.name }))) return;
          try {
            await R.api("/api/v1/sites/" + s.id, { method: "DELETE" });
            await done(t("sites.removed", { name: s.name }));
          } catch (err) { siteResult.replaceChildren(el("p", { class: "error", role: "alert" }, R.labelled(t("error"), R.ops.problemText(err)))); }
        } }, t("sites.remove"), el("span", { class: "sr-only" }, " " + s.name))))));
    const siteEdited = editSite ? sites.items.find((s) => String(s.id) === editSite) : null;
    const first = edited
      ? el("section", { class: "card", "aria-labelledby": "provision-title" },
        el("h2", { id: "provision-title" }, t("ops.editing", { name: edited.name })), form,
        R.ops.deviceActions(edited, done))
      : siteEdited
        ? el("section", { class: "card", "aria-labelledby": "site-title" },
          el("h2", { id: "site-title" }, t("ops.editing", { name: siteEdited.name })),
          R.ops.siteForm(siteEdited, done, () => { location.hash = "#/devices"; }))
        : el("section", { class: "card", "aria-labelledby": "provision-title" }, el("h2", { id: "provision-title" }, t("provision.title")), form);
    main.replaceChildren(el("h1", {}, t("devices.title")),
      el("p", { id: "devices-status", role: "status", class: "good notice" }, flash),
      first,
      edited || siteEdited ? null : R.ops.importSection(done),
      R.ops.quarantineSection(quarantine.items, ignored.items, done),
      el("section", { class: "card" }, el("h2", {}, t("devices.list")), el("div", { class: "scroll" }, list)),
      el("section", { class: "card", "aria-labelledby": "sites-title" }, el("h2", { id: "sites-title" }, t("sites.title")),
        el("div", { class: "scroll" }, el("table", {}, el("caption", { class: "sr-only" }, t("sites.title")),
          el("thead", {}, el("tr", {}, [t("dev.name"), t("sites.address"), t("sites.devices"), t("dev.actions")].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, siteRows))), siteResult));
    if (edited || siteEdited) main.querySelector("input:not([readonly])").focus();
    return t("devices.title");
  }

  R.pages = Object.assign(R.pages || {}, { devices: renderDevices });
})(window.Releve);
