"use strict";
// The technicians' page: a small single-page app over the releve API. No build step, no CDN.
// Routes: #/ overview, #/sites/ID, #/sites/ID/report/YYYY-MM, #/alerts[?site=ID], #/alerts/ID,
// #/devices (operators).
(function (R) {
  const { state, t, el } = R;
  const main = document.getElementById("main");

  function applyStatic() {
    document.documentElement.lang = state.lang;
    document.getElementById("lang").value = state.lang;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    const nav = document.getElementById("nav");
    nav.hidden = !state.me;
    document.getElementById("logout").hidden = !state.me;
    document.getElementById("who").textContent = state.me ? t("role." + state.me.role) : "";
    for (const node of nav.querySelectorAll("[data-role]")) node.hidden = !R.allows(node.dataset.role);
  }

  function logout() {
    sessionStorage.removeItem("releve.key");
    state.key = null; state.me = null;
    fold(false);
    applyStatic();
    location.hash = "#/";
    renderLogin();
  }
  R.onRevoked = logout;

  function renderLogin(error) {
    const input = el("input", { id: "key", type: "password", autocomplete: "off", required: true, "aria-describedby": "key-help" + (error ? " key-error" : ""),
      "aria-invalid": error ? "true" : null });
    const form = el("form", { class: "card login", onsubmit: async (ev) => {
      ev.preventDefault();
      state.key = input.value.trim();
      try {
        state.me = await R.api("/api/v1/me");
        sessionStorage.setItem("releve.key", state.key);
        applyStatic();
        route(true);
      } catch (err) { state.key = null; renderLogin(t("login.bad")); }
    } },
      el("h1", {}, t("login.title")),
      el("label", { for: "key" }, t("login.key")), input,
      el("p", { id: "key-help", class: "help" }, t("login.help")),
      error ? el("p", { id: "key-error", class: "error", role: "alert" }, error) : null,
      el("button", { type: "submit" }, t("login.submit")));
    main.replaceChildren(form);
    document.title = t("login.title") + " — releve";
    input.focus();
  }

  function markCurrent(hash) {
    for (const a of document.querySelectorAll("#nav a")) {
      const target = a.getAttribute("href");
      const current = target === "#/" ? !/^#\/(alerts|devices)/.test(hash) : hash.startsWith(target);
      if (current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
  }

  let routing = 0;
  // moveFocus: after a navigation, the focus goes to the new content (not on the first load,
  // where the skip link stays the first stop, nor on a language change).
  async function route(moveFocus) {
    if (!state.key) return renderLogin();
    const mine = ++routing;
    try {
      if (!state.me) { state.me = await R.api("/api/v1/me"); applyStatic(); }
      const hash = location.hash || "#/";
      const [path, query] = hash.slice(1).split("?");
      const params = new URLSearchParams(query || "");
      markCurrent(hash);
      main.setAttribute("aria-busy", "true");
      delete main.dataset.ready;
      let m, title;
      if ((m = path.match(/^\/sites\/(\d+)\/report\/(\d{4}-\d{2})$/))) title = await R.pages.report(main, m[1], m[2]);
      else if ((m = path.match(/^\/sites\/(\d+)/))) title = await R.pages.site(main, m[1]);
      else if ((m = path.match(/^\/alerts\/(\d+)/))) title = await R.pages.alert(main, m[1]);
      else if (path.startsWith("/alerts")) title = await R.pages.alerts(main, params);
      else if (path.startsWith("/devices") && R.allows("operator")) title = await R.pages.devices(main, params);
      else title = await R.pages.overview(main);
      if (mine !== routing) return;  // a newer navigation took over
      main.removeAttribute("aria-busy");
      main.dataset.ready = hash;  // the page of this address is complete (tests wait for it)
      if (!document.title.startsWith(title)) document.title = title + " — releve";
      if (moveFocus) main.focus();
      R.announce(t("loaded", { page: title }));
    } catch (err) {
      main.removeAttribute("aria-busy");
      if (state.key) main.replaceChildren(el("p", { class: "error", role: "alert" }, R.labelled(t("error"), err.message)));
    }
  }

  // On a phone the navigation folds behind "Menu": opened by the button, closed by a navigation or Escape.
  const bar = document.querySelector("header.top"), menu = document.getElementById("menu");
  function fold(open) { bar.classList.toggle("open", open); menu.setAttribute("aria-expanded", String(open)); }
  menu.addEventListener("click", () => fold(menu.getAttribute("aria-expanded") !== "true"));
  bar.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && bar.classList.contains("open")) { fold(false); menu.focus(); }
  });

  document.getElementById("lang").addEventListener("change", (ev) => {
    state.lang = ev.target.value; localStorage.setItem("releve.lang", state.lang); applyStatic(); route(false);
  });
  document.getElementById("logout").addEventListener("click", logout);
  // The skip link moves the focus without touching the address (which holds the route).
  document.querySelector(".skip").addEventListener("click", (ev) => { ev.preventDefault(); main.focus(); });
  window.addEventListener("hashchange", () => { fold(false); route(true); });
  applyStatic();
  route();
})(window.Releve);
