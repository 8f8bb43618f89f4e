// The supervision centre's dashboard: a small single-page app over the daemon's JSON API
// (docs/api.md). No framework and nothing from a CDN: it must work offline in a monitoring room.
"use strict";
(() => {
  const $ = (sel) => document.querySelector(sel);
  const LANGS = ["zh", "en"];
  let lang = localStorage.getItem("approvald.lang") ||
      ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");

  // Words of the statutory pack's rules, events and procedures in English; the pack itself
  // carries the Chinese titles.
  const RULE_EN = {
    "alp-32-acceptance": "Acceptance review beyond 5 working days (Art. 32)",
    "alp-32-one-time-notice": "Corrections not requested all at once (Art. 32)",
    "alp-38-reason": "Refusal or denial without reasons (Art. 38)",
    "alp-42-decision": "Decision beyond the statutory limit (Art. 42)",
    "alp-42-extension": "Irregular extension (Art. 42)",
    "alp-44-certificate": "Certificate not issued within 10 working days (Art. 44)",
    "alp-58-fee": "Unlawful fee (Art. 58)",
    "promise-deadline": "Decision beyond the promised limit",
    "proc-decision-without-acceptance": "Decision without acceptance (off-system)",
    "penalty-benchmark": "Penalty outside the discretion benchmark",
  };
  const EVENT_NAMES = {
    zh: {
      received: "收件", correction_requested: "一次性告知补正", correction_received: "收到补正材料",
      accepted: "受理", acceptance_refused: "不予受理", step_completed: "环节办结",
      procedure_started: "特别程序开始", procedure_ended: "特别程序结束", decided: "作出决定",
      certificate_issued: "颁发证件", fee_charged: "收费", penalty_decided: "作出处罚决定",
      withdrawn: "申请撤回", terminated: "终止办理", restarted: "重新起算",
    },
    en: {
      received: "received", correction_requested: "corrections requested",
      correction_received: "corrections received", accepted: "accepted",
      acceptance_refused: "acceptance refused", step_completed: "step completed",
      procedure_started: "procedure started", procedure_ended: "procedure ended",
      decided: "decided", certificate_issued: "certificate issued", fee_charged: "fee charged",
      penalty_decided: "penalty decided", withdrawn: "withdrawn", terminated: "terminated",
      restarted: "restarted",
    },
  };

  function t(key, vars) {
    let s = (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(String(v));
    return s;
  }
  const ruleTitle = (id, title) => (lang === "en" && RULE_EN[id]) || title || id;
  const eventName = (type) => EVENT_NAMES[lang][type] || type;
  const levelLabel = (l) => t("level_" + l);
  const pct = (r) => (r === null || r === undefined ? "–" : (r * 100).toFixed(1) + "%");
  const num = (v) => (v === null || v === undefined ? "–" : String(v));
  // Times are shown as the daemon wrote them (the calendar's zone), to the minute.
  const shortTime = (iso) => (iso ? iso.slice(0, 16).replace("T", " ") : "–");

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const timeEl = (iso) => el("time", { datetime: iso || "", text: shortTime(iso) });
  const badge = (level) => el("span", { class: "badge " + level, text: levelLabel(level) });
  const caseLink = (id) => el("a", { href: "#/case/" + encodeURIComponent(id), text: id });

  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      const err = new Error(body.error || r.statusText);
      err.status = r.status;
      throw err;
    }
    return body;
  }

  function showError(what, e) {
    const p = $("#error");
    p.textContent = t("load_error", { what, why: e.message });
    p.hidden = false;
  }

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = t("title") + " · approvald";
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll("[data-i18n-placeholder]")) {
      e.placeholder = t(e.dataset.i18nPlaceholder);
    }
    $("#lang").textContent = lang === "zh" ? "English" : "中文";
    $("#lang").setAttribute("lang", lang === "zh" ? "en" : "zh-CN");
  }

  // ---- header: supervision time and versions, from the overview ----
  function renderHeader(o) {
    $("#now").textContent = shortTime(o.now);
    $("#now").setAttribute("datetime", o.now);
    const r = o.service.rules || {};
    $("#rules-version").textContent = r.rule_packs ? r.rule_packs + " (v" + r.version + ")" : "–";
    $("#calendar-version").textContent = r.calendar || "–";
    const mode = $("#mode");
    mode.hidden = o.service.mode !== "demo";
    mode.textContent = t("demo_mode", { speed: Math.round(o.service.speed) });
  }

  // ---- overview ----
  let lastOverview = null;
  async function loadOverview() {
    try {
      const o = await getJson("/api/v1/overview");
      lastOverview = o;
      renderHeader(o);
      if (route().view === "overview") renderOverview(o);
      const list = $("#agency-list");
      list.replaceChildren(...o.agencies.map((a) => el("option", { value: a.agency })));
      $("#error").hidden = true;
    } catch (e) {
      showError(t("nav_overview"), e);
    }
  }

  function renderOverview(o) {
    const k = (cls, n, label) =>
      el("div", { class: "kpi " + cls, "data-kpi": label },
         el("div", { class: "n", text: String(n) }), el("div", { class: "l", text: t(label) }));
    $("#kpis").replaceChildren(
        k("", o.cases.open, "open_cases"), k("", o.cases.paused, "paused_cases"),
        k("red", o.cases.overdue, "overdue_cases"), k("red", o.cases.red, "red_cases"),
        k("", o.cases.yellow, "yellow_cases"));
    renderHourly(o.alerts_by_hour);
    $("#hourly-total").textContent = t("alerts_total", o.alerts_last_day);
    $("#board").replaceChildren(...o.agencies.map((a) => {
      const rate = a.decided_30d > 0 ? t("on_time", { rate: pct(a.on_time_rate), n: a.decided_30d })
                                     : t("no_decisions");
      return el("li", { class: a.status },
        el("a", { href: "#/alerts?agency=" + encodeURIComponent(a.agency), class: a.status,
                  "aria-label": a.agency + ", " + t("status_" + a.status) },
          el("span", { class: "badge " + a.status, text: t("status_" + a.status) }), " ",
          el("span", { class: "name", text: a.agency }),
          el("div", { class: "figs", text: t("board_figs", a) }),
          el("div", { class: "figs", text: rate })));
    }));
    loadSoon();
  }

  function renderHourly(hours) {
    const W = 720, H = 170, pad = 22, bw = (W - pad) / Math.max(hours.length, 1);
    const max = Math.max(1, ...hours.map((h) => h.reminder + h.yellow + h.red));
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H + 18}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", t("alerts_last_day"));
    const colours = { reminder: "#1d4ed8", yellow: "#ca8a04", red: "#b91c1c" };
    hours.forEach((h, i) => {
      let y = H;
      for (const level of ["reminder", "yellow", "red"]) {
        const hgt = (h[level] / max) * (H - 10);
        if (hgt <= 0) continue;
        y -= hgt;
        const r = document.createElementNS(ns, "rect");
        r.setAttribute("x", pad + i * bw + 1);
        r.setAttribute("y", y);
        r.setAttribute("width", Math.max(bw - 2, 1));
        r.setAttribute("height", hgt);
        r.setAttribute("fill", colours[level]);
        const title = document.createElementNS(ns, "title");
        title.textContent = `${shortTime(h.hour)} ${levelLabel(level)}: ${h[level]}`;
        r.append(title);
        svg.append(r);
      }
      if (i % 6 === 0) {
        const tx = document.createElementNS(ns, "text");
        tx.setAttribute("x", pad + i * bw);
        tx.setAttribute("y", H + 14);
        tx.setAttribute("font-size", "11");
        tx.setAttribute("fill", "#374151");
        tx.textContent = h.hour.slice(5, 13).replace("T", " ") + "h";
        svg.append(tx);
      }
    });
    const top = document.createElementNS(ns, "text");
    top.setAttribute("x", 0);
    top.setAttribute("y", 12);
    top.setAttribute("font-size", "11");
    top.setAttribute("fill", "#374151");
    top.textContent = String(max);
    svg.append(top);
    $("#hourly").replaceChildren(svg);
  }

  async function loadSoon() {
    try {
      const r = await getJson("/api/v1/alerts?status=firing&level=reminder&limit=12");
      const items = r.alerts.map((a) => el("li", {}, caseLink(a.case_id), " · ",
          ruleTitle(a.rule_id, a.title), " · ", t("clock_due"), " ", timeEl(a.due_at)));
      $("#soon").replaceChildren(...(items.length ? items
                                                  : [el("li", { text: t("nothing_soon") })]));
    } catch (e) {
      showError(t("about_to_breach"), e);
    }
  }

  // ---- live alerts (Server-Sent Events) ----
  let source = null;
  let feedRows = 0;
  const seenRules = new Set(Object.keys(RULE_EN));

  function fillRuleOptions() {
    const sel = $("#feed-filter select[name=rule]");
    const current = sel.value;
    const opts = [el("option", { value: "", text: t("all") })];
    for (const id of [...seenRules].sort()) {
      opts.push(el("option", { value: id, text: id + " · " + ruleTitle(id, id) }));
    }
    sel.replaceChildren(...opts);
    sel.value = current;
  }

  let streamOpenedAt = 0;
  function feedRow(a) {
    const status = a.status === "firing" ? "firing"
                 : a.resolution === "retracted" ? "retracted" : "resolved";
    // The backlog arrives at once; only what comes after it is highlighted.
    const live = Date.now() - streamOpenedAt > 1500;
    return el("tr", { class: live ? "new" : null, "data-level": a.level, "data-status": status,
                      "data-alert-id": a.alert_id },
      el("td", {}, timeEl(a.resolved_at || a.fired_at)), el("td", {}, badge(a.level)),
      el("td", { text: t(status) }), el("td", { text: ruleTitle(a.rule_id, a.title) }),
      el("td", {}, caseLink(a.case_id)), el("td", { text: a.agency }),
      el("td", { text: a.officer || "–" }));
  }

  function startFeed(params) {
    if (source) source.close();
    $("#feed").replaceChildren();
    feedRows = 0;
    const q = new URLSearchParams();
    for (const k of ["agency", "level", "rule"]) if (params.get(k)) q.set(k, params.get(k));
    source = new EventSource("/api/v1/feed?" + q.toString());
    source.addEventListener("alert", (ev) => {
      const a = JSON.parse(ev.data);
      if (!seenRules.has(a.rule_id)) {
        seenRules.add(a.rule_id);
        fillRuleOptions();
      }
      const body = $("#feed");
      body.prepend(feedRow(a));
      while (body.children.length > 300) body.lastChild.remove();
      feedRows = body.children.length;
      $("#feed-state").textContent = t("feed_live", { n: feedRows });
    });
    source.onopen = () => {
      streamOpenedAt = Date.now();
      $("#feed-state").textContent = t("feed_live", { n: feedRows });
    };
    source.onerror = () => { $("#feed-state").textContent = t("feed_reconnecting"); };
  }

  function stopFeed() {
    if (source) source.close();
    source = null;
  }

  // ---- case view ----
  async function loadCase(id) {
    $("#case-title").textContent = id;
    const body = $("#case-body");
    body.replaceChildren();
    let c;
    try {
      c = await getJson("/api/v1/cases/" + encodeURIComponent(id));
    } catch (e) {
      if (e.status === 404) {
        body.replaceChildren(el("p", { class: "error", text: t("no_case", { id }) }));
      } else {
        showError(t("case"), e);
      }
      return;
    }
    $("#case-meta").textContent =
        `${t("agency")}: ${c.agency} · ${t("item")}: ${c.item} · ${c.rule_packs} · ${c.calendar}`;
    const wd = (n) => t("working_days", { n });
    const clocks = c.clocks.map((k) => {
      const lines = [];
      lines.push(`${t("clock_start")}: ${shortTime(k.start)}`);
      lines.push(`${t("clock_limit")}: ${wd(k.limit)}` +
                 (k.extension ? ` + ${t("clock_extension")} ${wd(k.extension)}` : ""));
      for (const p of k.pauses) {
        lines.push(p.to ? t("pause_span", { from: shortTime(p.from), to: shortTime(p.to),
                                            procedure: p.procedure || "–", n: p.excluded })
                        : `${t("pause_open")}: ${shortTime(p.from)} (${p.procedure || "–"})`);
      }
      if (k.counted !== undefined) lines.push(`${t("clock_counted")}: ${wd(k.counted)}`);
      if (k.stopped_at) {
        lines.push(t("stopped_by", { event: eventName(k.stopped_by), at: shortTime(k.stopped_at) }));
      }
      for (const s of k.stages) {
        if (s.fires_at) lines.push(t("stage_fires", { level: levelLabel(s.level),
                                                      at: shortTime(s.fires_at) }));
      }
      if (k.provisional) lines.push(t("provisional"));
      return el("tr", { "data-rule": k.rule_id },
        el("td", {}, el("strong", { text: ruleTitle(k.rule_id, k.title) }),
           el("div", { class: "legend", text: k.rule_id + " · " + t("clock_cycle", { n: k.cycle }) })),
        el("td", { class: "due" }, k.due_at ? timeEl(k.due_at) : "–",
           k.due_arithmetic ? el("div", { class: "legend", text: t("due_arithmetic", k.due_arithmetic) })
                            : null),
        el("td", {}, el("span", { class: "badge " + (k.status === "overdue" || k.status === "stopped_late"
                                                      ? "red" : k.status === "paused" ? "grey" : "green"),
                                  text: t("st_" + k.status) })),
        el("td", {}, el("div", { class: "arith", text: lines.join("\n") })));
    });
    const clockTable = el("table", { class: "grid", id: "clocks" },
      el("thead", {}, el("tr", {}, el("th", { text: t("rule") }), el("th", { text: t("clock_due") }),
                          el("th", { text: t("clock_status") }), el("th", { text: t("arithmetic") }))),
      el("tbody", {}, ...clocks));
    const events = el("ol", { class: "timeline", id: "timeline" }, ...c.events.map((e) =>
      el("li", {}, timeEl(e.occurred_at), " · ", el("strong", { text: eventName(e.type) }),
         e.officer ? " · " + t("officer") + " " + e.officer : "",
         e.detail ? el("div", { class: "legend", text: e.detail }) : null)));
    const alerts = c.alerts.length
        ? el("ul", { class: "plain", id: "case-alerts" }, ...c.alerts.map((a) =>
            el("li", {}, badge(a.level), " ", ruleTitle(a.rule_id, a.title), " · ",
               t(a.status), " · ", timeEl(a.fired_at))))
        : el("p", { text: t("no_alerts") });
    body.replaceChildren(
      el("section", { class: "panel" }, el("h3", { text: t("clocks") }), clockTable),
      el("div", { class: "row" },
        el("section", { class: "panel" }, el("h3", { text: t("events") }), events),
        el("section", { class: "panel" }, el("h3", { text: t("alerts") }), alerts)));
  }

  // ---- performance ----
  async function loadPerformance(params) {
    const form = $("#perf-filter");
    const today = lastOverview ? lastOverview.now.slice(0, 10) : null;
    if (!form.to.value && today) form.to.value = today;
    if (!form.from.value && today) {
      const d = new Date(today + "T00:00:00Z");
      d.setUTCDate(d.getUTCDate() - 29);
      form.from.value = d.toISOString().slice(0, 10);
    }
    for (const k of ["from", "to", "by"]) if (params.get(k)) form[k].value = params.get(k);
    const q = new URLSearchParams();
    for (const k of ["from", "to", "by"]) if (form[k].value) q.set(k, form[k].value);
    try {
      const r = await getJson("/api/v1/performance?" + q.toString());
      const byItem = r.by === "item";
      for (const e of document.querySelectorAll("#perf-table .by-item")) e.hidden = !byItem;
      const row = (cells) => el("tr", {}, ...cells);
      const figures = (x) => [el("td", { class: "num", text: num(x.decided) }),
        el("td", { class: "num", text: pct(x.promise_on_time_rate) }),
        el("td", { class: "num", text: pct(x.statute_on_time_rate) }),
        el("td", { class: "num", text: num(x.avg_working_days) }),
        el("td", { class: "num", text: num(x.alerts_per_100_cases) })];
      $("#perf").replaceChildren(...r.rows.map((x) => row([
        el("td", {}, el("a", { href: "#/alerts?agency=" + encodeURIComponent(x.agency),
                               text: x.agency })),
        byItem ? el("td", { text: x.item }) : null, ...figures(x)])));
      $("#perf-total").replaceChildren(row([el("th", { text: t("total") }),
        byItem ? el("td") : null, ...figures(r.total)]));
      $("#perf-state").textContent = t("perf_state", { n: r.rows.length, from: r.from, to: r.to });
    } catch (e) {
      $("#perf-state").textContent = t("load_error", { what: t("nav_performance"), why: e.message });
    }
  }

  // ---- routing ----
  function route() {
    const h = location.hash.replace(/^#\/?/, "");
    const [path, query] = h.split("?");
    const parts = path.split("/");
    const view = parts[0] || "overview";
    return { view, arg: parts.slice(1).join("/"), params: new URLSearchParams(query || "") };
  }

  function show() {
    const r = route();
    const views = ["overview", "alerts", "case", "performance"];
    const view = views.includes(r.view) ? r.view : "overview";
    for (const v of views) $("#view-" + v).hidden = v !== view;
    for (const a of document.querySelectorAll("nav a[data-nav]")) {
      if (a.dataset.nav === view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    if (view !== "alerts") stopFeed();
    if (view === "overview" && lastOverview) renderOverview(lastOverview);
    if (view === "alerts") {
      const form = $("#feed-filter");
      for (const k of ["agency", "level", "rule"]) form[k].value = r.params.get(k) || "";
      startFeed(r.params);
    }
    if (view === "case") loadCase(decodeURIComponent(r.arg));
    if (view === "performance") loadPerformance(r.params);
  }

  $("#feed-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) if (v) q.set(k, v);
    location.hash = "#/alerts" + (q.toString() ? "?" + q.toString() : "");
  });
  $("#perf-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) if (v) q.set(k, v);
    const target = "#/performance?" + q.toString();
    if (location.hash === target) loadPerformance(q);
    else location.hash = target;
  });
  $("#case-search").addEventListener("submit", (e) => {
    e.preventDefault();
    const id = $("#case-id").value.trim();
    if (id) location.hash = "#/case/" + encodeURIComponent(id);
  });
  $("#lang").addEventListener("click", () => {
    lang = LANGS[(LANGS.indexOf(lang) + 1) % LANGS.length];
    localStorage.setItem("approvald.lang", lang);
    applyLanguage();
    fillRuleOptions();
    if (lastOverview) renderHeader(lastOverview);
    const r = route();
    if (r.view !== "alerts") show();  // re-render in the new language; keep the live feed
  });
  window.addEventListener("hashchange", show);

  applyLanguage();
  fillRuleOptions();
  loadOverview().then(show);
  setInterval(loadOverview, 5000);
})();
