/* The supervisors' dashboard. Plain JS, no libraries: the page must load fast on a rural connection.
   Every API call carries Telegram's initData (no cookie); the words come from the server in the
   viewer's language (S). */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const hash = new URLSearchParams(location.hash.slice(1));
  const tg = window.Telegram && window.Telegram.WebApp;
  const initData = (tg && tg.initData) || hash.get("tgWebAppData") || "";
  let S = {}, who = null, tab = "reporting";
  const sortState = { key: "name", dir: 1 };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    return node;
  }
  const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  function say(text) { $("status").textContent = text || ""; }

  async function api(path, body) {
    const options = { headers: { "X-Telegram-Init-Data": initData } };
    if (body) { options.method = "POST"; options.body = JSON.stringify(body); options.headers["Content-Type"] = "application/json"; }
    const res = await fetch(path, options);
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) { say("⛔ " + (S.expired || "Trang đã hết hạn: đóng lại và mở lại từ khung chat. / This page has expired: close it and open it again from the chat.")); throw new Error("init_data"); }
    if (!res.ok) { if (data.message) say(data.message); const e = new Error(data.error || "error"); e.data = data; e.status = res.status; throw e; }
    return data;
  }

  function option(value, label, selected) { return el("option", { value, selected: selected ? true : null }, label); }

  async function start() {
    let data;
    try { data = await api("api/session"); } catch (e) { if (!$("status").textContent) say("⛔ " + (e.data && e.data.message || "")); return; }
    S = data.strings; who = data.user;
    document.documentElement.lang = who.locale;
    document.title = S.title;
    $("title").textContent = "📊 " + S.title;
    $("who").textContent = who.name + " · " + who.unit;
    $("l-unit").textContent = S.unit; $("l-period").textContent = S.period;
    for (const u of data.units) $("unit").append(option(u.id, "\u00a0\u00a0".repeat(u.depth) + u.name, u.id === who.unit_id));
    for (const p of data.periods) $("period").append(option(p.code, p.label, p.code === "m0"));
    window.DASH = { organisations: data.organisations, categories: data.categories };
    for (const name of ["reporting", "figures", "check", "files"]) {
      const b = $("tab-" + name); b.textContent = S["tab_" + name];
      b.addEventListener("click", () => show(name));
    }
    $("unit").addEventListener("change", () => show(tab));
    $("period").addEventListener("change", () => show(tab));
    if (tg && tg.ready) tg.ready();
    show("reporting");
  }

  function show(name) {
    tab = name; say("");
    for (const b of document.querySelectorAll("nav button")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
    for (const s of document.querySelectorAll("section.page")) s.hidden = s.id !== name;
    ({ reporting: reporting, figures: figures, check: check, files: files })[name]().catch((e) => { if (!$("status").textContent) say(S.error); console.error(e); });
  }
  const unit = () => $("unit").value;

  // ------------------------------------------------------------------ Reporting
  async function reporting() {
    const root = $("reporting"); root.replaceChildren(el("p", { class: "muted" }, S.loading));
    const data = await api("api/reporting?unit=" + encodeURIComponent(unit()));
    if (!data.period) { root.replaceChildren(el("p", {}, S.no_period)); return; }
    const s = data.summary;
    const card = (id, value, label) => el("div", { class: "card", id: "sum-" + id }, el("b", {}, value), el("span", {}, label));
    const search = el("input", { type: "search", id: "search", placeholder: S.search, "aria-label": S.search });
    const table = el("table", { id: "reporting-table" });
    root.replaceChildren(
      el("h2", {}, data.period.name + " — " + fmt(S.due, { due: data.period.due })),
      el("div", { class: "cards" }, card("expected", s.expected, S.expected), card("submitted", s.submitted, S.submitted),
        card("on_time", s.on_time, S.on_time), card("late", s.late, S.late), card("missing", s.missing, S.missing),
        card("completeness", s.completeness, S.completeness), card("timeliness", s.timeliness, S.timeliness)),
      search, el("p", { class: "muted" }, S.sort_hint), table);
    const labels = { on_time: "✅ " + S.on_time, late: "⏰ " + S.late, missing: "❌ " + S.missing };
    const order = { missing: 0, late: 1, on_time: 2 };
    function draw() {
      const q = search.value.trim().toLowerCase();
      const rows = data.rows.filter((r) => !q || r.name.toLowerCase().includes(q));
      rows.sort((a, b) => {
        const x = sortState.key === "state" ? order[a.state] - order[b.state] : String(a[sortState.key]).localeCompare(String(b[sortState.key]), who.locale);
        return x * sortState.dir;
      });
      const head = (key, label) => el("th", { onclick: () => { sortState.dir = sortState.key === key ? -sortState.dir : 1; sortState.key = key; draw(); } },
        label + (sortState.key === key ? (sortState.dir > 0 ? " ▲" : " ▼") : ""));
      table.replaceChildren(el("thead", {}, el("tr", {}, head("name", S.unit), head("state", S.state), head("submitted_at", S.submitted_at), el("th", {}))),
        el("tbody", {}, rows.map((r) => el("tr", { "data-unit-id": r.unit_id, "data-state": r.state },
          el("td", {}, r.name), el("td", {}, el("span", { class: "state " + r.state }, labels[r.state])), el("td", {}, r.submitted_at),
          el("td", {}, r.state !== "missing" ? "" : el("button", { class: "act nudge", disabled: r.nudged, onclick: (ev) => nudge(ev.target, data.period.id, r) },
            r.nudged ? S.reminded : S.remind))))));
    }
    search.addEventListener("input", draw);
    draw();
  }

  async function nudge(button, periodId, row) {
    button.disabled = true;
    try {
      const res = await api("api/nudge", { period_id: periodId, unit_id: row.unit_id });
      say(fmt(S["remind_" + res.result] || S.error, { unit: row.name }));
      row.nudged = true; button.textContent = S.reminded;
    } catch (e) { button.disabled = false; }
  }

  // ------------------------------------------------------------------ Figures
  const figureFilters = { org: "", cat: "" };
  async function figures() {
    const root = $("figures"); root.replaceChildren(el("p", { class: "muted" }, S.loading));
    const q = new URLSearchParams({ unit: unit(), period: $("period").value, org: figureFilters.org, cat: figureFilters.cat });
    const data = await api("api/figures?" + q);
    const org = el("select", { id: "org" }, option("", S.all_organisations), window.DASH.organisations.map((o) => option(o.code, o.name, o.code === figureFilters.org)));
    const cat = el("select", { id: "cat" }, option("", S.all_categories), window.DASH.categories.map((c) => option(c.code, c.name, c.code === figureFilters.cat)));
    org.addEventListener("change", () => { figureFilters.org = org.value; figures(); });
    cat.addEventListener("change", () => { figureFilters.cat = cat.value; figures(); });
    const mark = (row, m) => row.partial.includes(m) ? el("span", { class: "partial", title: S.partial }, " *") : "";
    const num = (v) => Number(v).toLocaleString(who.locale === "vi" ? "vi-VN" : "en-US");
    const table = el("table", { id: "fig-table" },
      el("thead", {}, el("tr", {}, el("th", {}, S.category), el("th", { class: "num" }, S.records), el("th", { class: "num" }, S.households),
        el("th", { class: "num" }, S.persons), el("th", { class: "num" }, S.value))),
      el("tbody", {}, data.categories.map((r) => el("tr", { "data-code": r.code },
        el("td", {}, r.name), el("td", { class: "num" }, num(r.records)), el("td", { class: "num" }, num(r.households), mark(r, "households")),
        el("td", { class: "num" }, num(r.persons), mark(r, "persons")), el("td", { class: "num", "data-value": r.value }, r.value_text, mark(r, "value"))))),
      el("tfoot", {}, el("tr", {}, el("th", {}, S.total), el("th", { class: "num" }, num(data.records)), el("th", {}), el("th", {}),
        el("th", { class: "num", id: "fig-total-value", "data-value": data.total_value }, data.total_value_text))));
    root.replaceChildren(
      el("div", { class: "filters" }, el("label", {}, S.organisation + " ", org), el("label", {}, S.category + " ", cat)),
      el("h2", {}, data.unit + " — " + data.period),
      data.categories.length ? table : el("p", {}, S.no_figures),
      el("ul", { id: "fig-sentences" }, data.categories.map((r) => el("li", {}, r.sentence))),
      data.total_line ? el("p", { id: "fig-total-line" }, el("b", {}, data.total_line)) : "",
      el("h2", {}, S.trend), trendChart(data.trend),
      el("h2", {}, S.by_unit),
      el("table", { id: "fig-units" }, el("tbody", {}, data.units.map((u) => el("tr", { "data-unit-id": u.unit_id },
        el("td", {}, u.name), el("td", { class: "num" }, u.value_text), el("td", { class: "muted" }, u.summary))))));
  }

  function trendChart(points) {
    const NS = "http://www.w3.org/2000/svg", W = 600, H = 220, pad = 30, top = 10;
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`); svg.setAttribute("class", "trend"); svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", S.trend);
    const max = Math.max(1, ...points.map((p) => p.value));
    const step = (W - pad) / points.length;
    points.forEach((p, i) => {
      const h = Math.round((H - pad - top) * p.value / max);
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", pad + i * step + 3); rect.setAttribute("width", Math.max(2, step - 6));
      rect.setAttribute("y", H - pad - h); rect.setAttribute("height", h);
      const title = document.createElementNS(NS, "title"); title.textContent = p.label + ": " + p.value.toLocaleString() + " đ";
      rect.append(title); svg.append(rect);
      const label = document.createElementNS(NS, "text");
      label.setAttribute("x", pad + i * step + step / 2); label.setAttribute("y", H - pad + 14); label.setAttribute("text-anchor", "middle");
      label.textContent = p.label; svg.append(label);
    });
    const axis = document.createElementNS(NS, "text");
    axis.setAttribute("x", 0); axis.setAttribute("y", top + 4);
    axis.textContent = (max / 1e6).toLocaleString(undefined, { maximumFractionDigits: 1 }) + " tr";
    svg.append(axis);
    return svg;
  }

  // ------------------------------------------------------------------ To check
  async function check() {
    const root = $("check"); root.replaceChildren(el("p", { class: "muted" }, S.loading));
    const data = await api("api/check?unit=" + encodeURIComponent(unit()));
    const list = (id, title, items, extra) => [el("h2", {}, title + " (" + items.length + ")"),
      items.length ? el("ul", { class: "items", id }, items.map((i) => el("li", { "data-action-id": i.action_id },
        el("span", {}, i.summary, extra ? "\n" + extra(i) : ""), el("button", { class: "act", onclick: () => record(i.action_id) }, S.open))))
        : el("p", { class: "muted" }, S.nothing)];
    root.replaceChildren(...list("check-questions", S.questions, data.questions, (i) => "❓ " + i.question + " · " + i.asked),
      ...list("check-unusual", S.unusual, data.unusual), ...list("check-doubles", S.doubles, data.doubles));
  }

  async function record(actionId) {
    const dialog = $("record"), body = $("record-body");
    const data = await api("api/record/" + actionId);
    const text = el("textarea", { id: "ask-text", rows: 3, placeholder: S.ask_placeholder, "aria-label": S.ask_placeholder });
    const send = el("button", { class: "act", id: "ask-send", onclick: async () => {
      send.disabled = true;
      try { await api("api/question", { action_id: actionId, text: text.value }); say(S.asked); dialog.close(); check(); }
      catch (e) { send.disabled = false; }
    } }, S.send);
    body.replaceChildren(el("h2", {}, S.history),
      el("ol", {}, data.versions.map((v) => el("li", {}, fmt(S.version, { n: v.version }) + " · " + v.at + " · " + v.author + "\n" + v.summary))),
      data.open_question ? el("p", {}, fmt(S.open_question, { question: data.open_question })) : "",
      data.can_ask ? el("div", {}, el("h2", {}, S.ask), text, el("p", {}, send)) : "",
      el("button", { onclick: () => dialog.close() }, S.close));
    dialog.showModal();
  }

  // ------------------------------------------------------------------ Files
  async function files() {
    const root = $("files");
    const button = (kind) => el("button", { class: "act", id: "file-" + kind, onclick: async (ev) => {
      ev.target.disabled = true;
      try { await api("api/file", { kind, unit_id: Number(unit()), period: $("period").value }); say(fmt(S.file_queued, { file: S[kind] })); }
      finally { ev.target.disabled = false; }
    } }, S[kind]);
    root.replaceChildren(el("p", {}, S.files_intro), el("div", { class: "filebtns" }, button("xlsx"), button("docx"), button("chart")));
  }

  start();
})();
