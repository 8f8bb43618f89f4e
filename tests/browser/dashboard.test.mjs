// The dashboard in a real browser: Debian's Chromium, driven by playwright-core, against
// `approvald demo` on localhost. Waits for a red card in the live feed, opens its case, checks the
// due dates shown against the API, switches language, walks the views with the keyboard, and
// saves screenshots (argv[3], default ./screenshots). WARMUP_S=N runs the demo N s first.
//
//   node dashboard.test.mjs PATH/TO/approvald [SCREENSHOT_DIR]
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const approvald = process.argv[2];
const shots = process.argv[3] || "screenshots";
mkdirSync(shots, { recursive: true });
const fail = (msg) => {
  console.error("FAIL: " + msg);
  process.exitCode = 1;
  throw new Error(msg);
};
const check = (ok, msg) => {
  if (!ok) fail(msg);
  console.log("ok: " + msg);
};

// The demo at a brisk pace, on a free port; its first line names the dashboard's URL.
const demo = spawn(approvald, ["demo", "--http-listen", "127.0.0.1:0", "--speed", "30000",
                               "--duration", "600", "--seed", "7"],
                   { stdio: ["ignore", "pipe", "pipe"] });
let demoErr = "";
demo.stderr.on("data", (d) => { demoErr = (demoErr + d).slice(-4000); });
const url = await new Promise((resolve, reject) => {
  let out = "";
  demo.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/);
    if (m) resolve(m[1]);
  });
  demo.on("exit", (code) => reject(new Error(`demo exited (${code}) before listening:\n${demoErr}`)));
  setTimeout(() => reject(new Error("demo did not print its URL in 60 s")), 60000);
});
console.log("demo at " + url);
// WARMUP_S=N lets the demo run N seconds first (richer screenshots for docs/dashboard.md).
await new Promise((r) => setTimeout(r, 1000 * Number(process.env.WARMUP_S || 0)));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  // Only localhost may be reached: a CDN request would fail the offline promise.
  const foreign = [];
  page.on("request", (r) => { if (!r.url().startsWith(url) && !r.url().startsWith("data:")) foreign.push(r.url()); });

  await page.goto(url);
  await page.waitForSelector("#kpis .kpi");
  check((await page.getAttribute("html", "lang")) === "en", "an English browser gets English");
  check((await page.textContent("nav a[data-nav=overview]")).trim() === "Overview", "English navigation");
  const rulesShown = await page.textContent("#rules-version");
  check(rulesShown.includes("cn-admin-licensing@"), "the rule pack version is on screen: " + rulesShown);
  check((await page.textContent("#calendar-version")).includes("cn-mainland@"), "the calendar version is on screen");
  await page.waitForSelector("#board li", { timeout: 30000 });

  // The live feed, red cards only: wait for one to arrive.
  await page.click("nav a[data-nav=alerts]");
  await page.selectOption("#feed-filter select[name=level]", "red");
  await page.click("#feed-filter button[type=submit]");
  const red = await page.waitForSelector("#feed tr[data-level=red][data-status=firing]",
                                         { timeout: 120000 });
  check(true, "a standing red card arrived in the live feed");
  const levels = await page.$$eval("#feed tr", (rows) => rows.map((r) => r.dataset.level));
  check(levels.every((l) => l === "red"), "the level filter shows only red cards");
  await page.screenshot({ path: join(shots, "alerts-en.png") });

  // Its case: every due date shown equals the API's. The demo keeps running, so an event may
  // change the case between the page's request and ours: compare only when the API answered the
  // same just before and just after the page rendered.
  const caseId = (await red.$eval("td a", (a) => a.textContent)).trim();
  await red.$eval("td a", (a) => a.click());
  await page.waitForSelector("#clocks tbody tr");
  const apiCase = async () =>
    (await page.request.get(url + "api/v1/cases/" + encodeURIComponent(caseId))).json();
  const dues = (c) => c.clocks.map((k) => ({ rule: k.rule_id, due: k.due_at || null }));
  let shown = null, api = null;
  for (let attempt = 1; attempt <= 10 && api === null; ++attempt) {
    const before = await apiCase();
    await page.goto(`${url}?attempt=${attempt}#/case/${encodeURIComponent(caseId)}`);
    await page.waitForSelector("#clocks tbody tr");
    shown = await page.$$eval("#clocks tbody tr", (rows) => rows.map((r) => ({
      rule: r.dataset.rule, due: r.querySelector("td.due time")?.getAttribute("datetime") || null })));
    const after = await apiCase();
    if (JSON.stringify(dues(before)) === JSON.stringify(dues(after)) &&
        before.events.length === after.events.length) api = after;
  }
  check(api !== null, `case ${caseId} stood still long enough to compare`);
  check(JSON.stringify(shown) === JSON.stringify(dues(api)),
        `case ${caseId}: due dates shown ${JSON.stringify(shown)} equal the API's`);
  check(shown.some((c) => c.due), "at least one clock shows a due date");
  const arithmetic = await page.textContent("#clocks .arith");
  check(/Start: .*\nLimit: \d+ working days/.test(arithmetic), "the clock's arithmetic is spelled out");
  check((await page.$$("#timeline li")).length === api.events.length, "the timeline lists every event");
  await page.screenshot({ path: join(shots, "case-en.png"), fullPage: true });

  // Chinese, from the switch; it sticks across views.
  await page.click("#lang");
  check((await page.getAttribute("html", "lang")) === "zh-CN", "the switch turns the page Chinese");
  check((await page.textContent("nav a[data-nav=overview]")).trim() === "总览", "Chinese navigation");
  await page.waitForFunction(() => document.querySelector("#clocks th")?.textContent === "规则");
  await page.screenshot({ path: join(shots, "case-zh.png"), fullPage: true });

  // Keyboard only: focus the Overview link and follow it with Enter.
  await page.focus("nav a[data-nav=overview]");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#view-overview:not([hidden])");
  check(await page.isVisible("#board li"), "Enter on a focused link opens the overview");
  await page.waitForTimeout(5500);  // one refresh of the overview: its counts move with the demo
  await page.screenshot({ path: join(shots, "overview-zh.png"), fullPage: true });

  // The performance table in Chinese.
  await page.click("nav a[data-nav=performance]");
  await page.waitForSelector("#perf tr");
  check((await page.$$("#perf tr")).length > 0, "the performance table has rows");
  await page.screenshot({ path: join(shots, "performance-zh.png"), fullPage: true });

  // Back to English for the overview screenshot; a Chinese-language browser starts in Chinese.
  await page.click("#lang");
  await page.click("nav a[data-nav=overview]");
  await page.waitForSelector("#view-overview:not([hidden]) #board li");
  await page.screenshot({ path: join(shots, "overview-en.png"), fullPage: true });
  const zh = await browser.newContext({ locale: "zh-CN" });
  const zhPage = await zh.newPage();
  await zhPage.goto(url);
  await zhPage.waitForSelector("#kpis .kpi");
  check((await zhPage.getAttribute("html", "lang")) === "zh-CN", "a Chinese browser gets Chinese");

  check(foreign.length === 0, "nothing was requested from outside the daemon " + foreign.join(" "));
  check(consoleErrors.length === 0, "no script errors " + consoleErrors.join(" | "));
} finally {
  await browser.close();
  demo.kill("SIGINT");
  await new Promise((r) => demo.on("exit", r));
}
