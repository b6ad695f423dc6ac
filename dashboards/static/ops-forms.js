"use strict";
// The operators' forms: a device (provision, or change one: every field of the spreadsheet), a
// building, the spreadsheet's import with its per-row diff, the quarantine. Each action shows its
// result on the page (and to screen readers), in the page's language.
(function (R) {
  const { t, el } = R;
  const QUANTITIES = ["water_volume", "energy_import", "energy_export", "gas_volume", "heat_energy"];

  function field(id, label, input, help) {
    if (help) input.setAttribute("aria-describedby", id + "-help");
    return el("div", { class: "field" }, el("label", { for: id }, label), input,
      help ? el("p", { id: id + "-help", class: "help" }, help) : null);
  }
  function num(value) {
    const text = String(value).trim().replace(",", ".");
    return text === "" ? null : Number(text);
  }
  function tagsText(tags) { return Object.entries(tags || {}).map(([k, v]) => k + "=" + v).join("; "); }
  function tagsOf(text) {
    const tags = {};
    for (const part of text.split(";").map((p) => p.trim()).filter(Boolean)) {
      const at = part.indexOf("=");
      if (at > 0) tags[part.slice(0, at).trim()] = part.slice(at + 1).trim();
    }
    return tags;
  }
  // A problem from the API in the page's language: its code when the page knows it.
  function problemText(err) {
    const p = err && err.problem;
    if (p && p.code && t("csv." + p.code) !== "csv." + p.code) return t("csv." + p.code, p.params || {});
    return err.message;
  }
  function failure(target, err) {
    target.replaceChildren(el("p", { class: "error", role: "alert" }, R.labelled(t("error"), problemText(err))));
  }

  // A device: provisioned (``device`` null; ``prefill`` a DevEUI heard) or changed (PATCH).
  function deviceForm(models, sites, opts) {
    const d = opts.device || {};
    const editing = Boolean(opts.device);
    const id = (name) => (editing ? "e-" : "p-") + name;
    const input = (name, attrs) => el("input", Object.assign({ id: id(name), name }, attrs || {}));
    const eui = input("eui", { required: true, value: d.dev_eui || opts.prefill || "", autocomplete: "off", class: "mono",
      readonly: editing || null });
    const name = input("name", { required: true, maxlength: "200", value: d.name || "" });
    const model = el("select", { id: id("model"), name: "model", required: true },
      el("option", { value: "" }, t("provision.choose")),
      models.map((m) => el("option", { value: m.model_id, selected: m.model_id === d.model || null }, m.model_id + " — " + m.name)));
    const siteName = (sites.find((s) => s.id === d.site_id) || {}).name || "";
    const site = input("site", { required: true, list: id("sites"), maxlength: "200", value: siteName });
    const point = input("point", { maxlength: "120", value: d.metering_point || "" });
    const quantity = el("select", { id: id("quantity"), name: "pulse_quantity" },
      el("option", { value: "" }, t("ops.quantityNone")),
      QUANTITIES.map((q) => el("option", { value: q, selected: q === d.pulse_quantity || null }, q)));
    const weight = input("weight", { inputmode: "decimal", value: d.pulse_weight != null ? String(d.pulse_weight) : "" });
    const registerMax = input("register", { inputmode: "decimal", value: d.register_max != null ? String(d.register_max) : "" });
    const interval = input("interval", { inputmode: "numeric", value: d.expected_interval_s != null ? String(d.expected_interval_s) : "" });
    const tags = input("tags", { value: tagsText(d.tags) });
    const purpose = input("purpose", { maxlength: "300", value: d.purpose || "" });
    const operatedBy = input("operated", { maxlength: "200", value: d.operated_by || "" });
    const installed = input("installed", { type: "date", value: d.installed_at || "" });
    const result = el("div", { "aria-live": "polite" });
    const form = el("form", { class: "grid-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const body = { name: name.value, model: model.value, metering_point: point.value || null,
        pulse_quantity: quantity.value || null, pulse_weight: num(weight.value), register_max: num(registerMax.value),
        expected_interval_s: num(interval.value), tags: tagsOf(tags.value), purpose: purpose.value || null,
        operated_by: operatedBy.value || null, installed_at: installed.value || null };
      try {
        let saved;
        if (editing) {
          const known = sites.find((s) => s.name === site.value);
          if (known) body.site_id = known.id;
          else body.site_id = (await R.api("/api/v1/sites", { method: "POST", json: { name: site.value } })).id;
          saved = await R.api("/api/v1/devices/" + d.dev_eui, { method: "PATCH", json: body });
        } else {
          saved = await R.api("/api/v1/devices", { method: "POST", json: Object.assign({ dev_eui: eui.value, site: site.value }, body) });
        }
        opts.done(t(editing ? "ops.saved" : "provision.done", { name: saved.name, eui: saved.dev_eui }));
      } catch (err) { failure(result, err); }
    } },
      field(id("eui"), "DevEUI", eui, editing ? null : t("provision.euiHelp")), field(id("name"), t("dev.name"), name),
      field(id("model"), t("dev.model"), model), field(id("site"), t("overview.site"), site, t("provision.siteHelp")),
      el("datalist", { id: id("sites") }, sites.map((x) => el("option", { value: x.name }))),
      field(id("point"), t("dev.point"), point, t("provision.pointHelp")),
      field(id("quantity"), t("ops.quantity"), quantity), field(id("weight"), t("ops.weight"), weight, t("ops.weightHelp")),
      field(id("register"), t("ops.registerMax"), registerMax, t("ops.registerHelp")),
      field(id("interval"), t("ops.interval"), interval), field(id("tags"), t("ops.tags"), tags, t("ops.tagsHelp")),
      field(id("purpose"), t("ops.purpose"), purpose), field(id("operated"), t("ops.operatedBy"), operatedBy),
      field(id("installed"), t("ops.installedAt"), installed),
      el("div", { class: "buttons" }, el("button", { type: "submit" }, t(editing ? "ops.save" : "provision.submit")),
        editing ? el("button", { type: "button", class: "secondary", onclick: opts.cancel }, t("cancel")) : null), result);
    return form;
  }

  // What an operator may do to a device beyond its fields: decommission or back, remove (admin).
  function deviceActions(device, done) {
    const result = el("div", { "aria-live": "polite" });
    const active = device.status === "active";
    async function act(fn) { try { done(await fn()); } catch (err) { failure(result, err); } }
    return el("div", {}, el("div", { class: "buttons" },
      el("button", { type: "button", class: "secondary", onclick: () => act(async () => {
        await R.api("/api/v1/devices/" + device.dev_eui, { method: "PATCH", json: { status: active ? "decommissioned" : "active" } });
        return t(active ? "ops.decommissioned" : "ops.reactivated", { name: device.name });
      }) }, t(active ? "ops.decommission" : "ops.reactivate")),
      R.allows("admin") ? el("button", { type: "button", class: "danger", onclick: () => {
        if (!window.confirm(t("ops.removeConfirm", { name: device.name }))) return;
        act(async () => {
          await R.api("/api/v1/devices/" + device.dev_eui, { method: "DELETE" });
          return t("ops.removed", { name: device.name });
        });
      } }, t("ops.remove")) : null), result);
  }

  function siteForm(site, done, cancel) {
    const input = (name, attrs) => el("input", Object.assign({ id: "s-" + name, name }, attrs || {}));
    const name = input("name", { required: true, maxlength: "200", value: site.name });
    const address = input("address", { maxlength: "300", value: site.address || "" });
    const lat = input("lat", { inputmode: "decimal", value: site.latitude != null ? String(site.latitude) : "" });
    const lon = input("lon", { inputmode: "decimal", value: site.longitude != null ? String(site.longitude) : "" });
    const area = input("area", { inputmode: "decimal", value: site.floor_area_m2 != null ? String(site.floor_area_m2) : "" });
    const use = input("use", { maxlength: "64", value: site.use || "" });
    const open = input("open", { type: "checkbox", checked: site.open_data || null });
    const result = el("div", { "aria-live": "polite" });
    return el("form", { class: "grid-form", onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const saved = await R.api("/api/v1/sites/" + site.id, { method: "PATCH", json: { name: name.value,
          address: address.value || null, latitude: num(lat.value), longitude: num(lon.value),
          floor_area_m2: num(area.value), use: use.value || null, open_data: open.checked } });
        done(t("ops.saved", { name: saved.name }));
      } catch (err) { failure(result, err); }
    } },
      field("s-name", t("dev.name"), name), field("s-address", t("sites.address"), address),
      field("s-lat", t("sites.lat"), lat), field("s-lon", t("sites.lon"), lon), field("s-area", t("sites.area"), area),
      field("s-use", t("sites.use"), use),
      el("div", { class: "field check" }, open, el("label", { for: "s-open" }, t("sites.open"))),
      el("div", { class: "buttons" }, el("button", { type: "submit" }, t("ops.save")),
        el("button", { type: "button", class: "secondary", onclick: cancel }, t("cancel"))), result);
  }

  // The spreadsheet: its bytes go to the server, which reads them as the command does
  // (UTF-8, Windows-1252...) and answers with the diff row by row.
  function importSection(done) {
    const file = el("input", { id: "csv", type: "file", accept: ".csv,text/csv", "aria-describedby": "csv-help" });
    const report = el("div", { id: "import-report", "aria-live": "polite" });
    async function send(dryRun) {
      if (!file.files.length) {
        report.replaceChildren(el("p", { class: "error", role: "alert" }, t("devices.pick")));
        file.focus();
        return;
      }
      report.replaceChildren();
      try {
        const res = await R.api("/api/v1/devices/import?dry_run=" + dryRun,
          { method: "POST", body: file.files[0], headers: { "Content-Type": "text/csv" } });
        if (res.errors.length) {
          report.replaceChildren(el("p", { class: "error", role: "status" }, t("devices.bad", { n: res.errors.length })),
            el("table", {}, el("caption", {}, t("devices.errors")),
              el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("devices.line")), el("th", { scope: "col" }, t("devices.reason")))),
              el("tbody", {}, res.errors.map((e) => el("tr", {}, el("td", { class: "num" }, e.line),
                el("td", {}, t("csv." + e.code) !== "csv." + e.code ? t("csv." + e.code, e.params) : e.reason))))));
          return;
        }
        const summary = ["created", "updated", "unchanged"].map((k) => t("import." + k, { n: res[k] })).join(", ") + ".";
        const msg = t(dryRun ? "import.checked" : "import.applied", { summary });
        const changed = res.rows.filter((r) => r.action !== "unchanged");
        report.replaceChildren(el("div", { class: "notice " + (dryRun ? "" : "done") },
          el("p", { class: "good", role: "status" }, msg),
          el("p", { class: "help" }, t("import.encoding", { encoding: res.encoding }),
            res.new_sites.length ? " " + t("import.newSites", { sites: res.new_sites.join(", ") }) : "")),
          changed.length ? el("div", { class: "scroll" }, el("table", { id: "import-diff" }, el("caption", {}, t("import.changes")),
            el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("devices.line")), el("th", { scope: "col" }, "DevEUI"),
              el("th", { scope: "col" }, t("import.action")), el("th", { scope: "col" }, t("import.field")))),
            el("tbody", {}, changed.map((r) => el("tr", {}, el("td", { class: "num" }, r.line), el("td", { class: "mono" }, r.dev_eui),
              el("td", {}, t("action." + r.action)),
              el("td", {}, Object.entries(r.changes).map(([k, [before, after]]) => el("div", {},
                el("strong", {}, k), " : ", r.action === "created" ? show(after) : show(before) + " → " + show(after)))))))))
            : null);
        R.announce(msg);
        if (!dryRun) done(msg);
      } catch (err) { failure(report, err); }
    }
    return el("section", { class: "card", "aria-labelledby": "import-title" }, el("h2", { id: "import-title" }, t("devices.import")),
      el("div", { class: "field" }, el("label", { for: "csv" }, t("devices.file")), file),
      el("p", { id: "csv-help", class: "help" }, t("devices.help")),
      el("div", { class: "buttons" }, el("button", { type: "button", onclick: () => send(true) }, t("devices.check")),
        el("button", { type: "button", class: "secondary", onclick: () => send(false) }, t("devices.apply"))), report);
  }
  function show(value) {
    if (value === null || value === undefined || value === "") return "–";
    if (typeof value === "object") return tagsText(value) || "–";
    return String(value);
  }

  function quarantineSection(heard, ignored, done) {
    const result = el("div", { "aria-live": "polite" });
    async function act(eui, ignore) {
      try {
        await R.api("/api/v1/quarantine/" + eui + "/ignored", { method: ignore ? "PUT" : "DELETE" });
        done(t(ignore ? "quarantine.ignoredDone" : "quarantine.unignoredDone", { eui }));
      } catch (err) { failure(result, err); }
    }
    const row = (q, isIgnored) => el("tr", {},
      el("th", { scope: "row", class: "mono" }, q.dev_eui, q.device_name ? el("div", { class: "help" }, q.device_name) : null),
      el("td", {}, q.device_profile || "–"), el("td", { class: "num" }, q.ports.join(", ")),
      el("td", { class: "num" }, q.uplinks), el("td", { class: "num" }, q.last_f_cnt != null ? q.last_f_cnt : "–"),
      el("td", {}, R.dateTime ? R.dateTime(q.first_seen) : q.first_seen), el("td", {}, R.since(q.last_seen)),
      el("td", {}, el("div", { class: "buttons" },
        isIgnored ? null : el("a", { href: "#/devices?eui=" + q.dev_eui, class: "button secondary" }, t("provision.this"),
          el("span", { class: "sr-only" }, " " + q.dev_eui)),
        el("button", { type: "button", class: "secondary", onclick: () => act(q.dev_eui, !isIgnored) },
          t(isIgnored ? "quarantine.unignore" : "quarantine.ignore"), el("span", { class: "sr-only" }, " " + q.dev_eui)))));
    const table = (items, isIgnored, caption) => el("div", { class: "scroll" }, el("table", { class: "quarantine" },
      el("caption", { class: "sr-only" }, caption),
      el("thead", {}, el("tr", {}, ["DevEUI", t("quarantine.profile"), t("quarantine.port"), t("quarantine.count"),
        t("quarantine.fcnt"), t("quarantine.first"), t("quarantine.last"), t("dev.actions")].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, items.map((q) => row(q, isIgnored)))));
    return el("section", { class: "card", "aria-labelledby": "quarantine-title" },
      el("h2", { id: "quarantine-title" }, t("devices.quarantine")),
      heard.length ? table(heard, false, t("devices.quarantine")) : el("p", {}, t("devices.none")), result,
      ignored.length ? el("details", {}, el("summary", {}, t("quarantine.ignored") + " (" + ignored.length + ")"),
        table(ignored, true, t("quarantine.ignored"))) : null);
  }

  R.ops = { deviceForm, deviceActions, siteForm, importSection, quarantineSection, problemText };
})(window.Releve);
