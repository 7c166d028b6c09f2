// The enterprise's journey in Debian's Chromium (playwright-core), axe-core
// on every page of it, in Chinese and once in English: register → an
// administrator verifies through the API → sign in → apply for a
// conditional dataset (keyboard only) → an administrator approves through
// the API → download from "My grants" (SHA-256 against the API) → file a
// usage report → API keys → sign out; plus field errors with values kept,
// a POST without the CSRF token, an expired session and a 375-px viewport.
// Usage: node enterprise.mjs BASE_URL SCREENSHOT_DIR CHROMIUM
import { createRequire } from "node:module";
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "node_modules", "x.js"));
const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [BASE, SHOTS, CHROMIUM] = process.argv.slice(2);
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const DEMO_PASSWORD = "datagate-demo-2026";
const ADMIN = "admin@demo.datagate.local";
const ADMIN_TOTP = "DATAGATEDEMOADMINONLYNOTASECRET2";
const PASSWORD = "a long demo password 2026!";

let passed = 0;
let failed = 0;
const failures = [];
const axeReport = [];

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    failures.push(`${name}: ${e.message}`);
    console.log(`  FAIL ${name} (${Date.now() - started} ms)\n       ${e.message.split("\n").join("\n       ")}`);
    throw e;
  }
}

async function axe(page, label) {
  const r = await page.evaluate(async ([source, tags]) => {
    if (!window.axe) { (0, eval)(source); }
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return { passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").split("\n").join(" ")) })) };
  }, [AXE, WCAG]);
  axeReport.push({ page: label, violations: r.violations.length, passes: r.passes });
  assert(r.passes >= 10, `axe checked only ${r.passes} rules on ${label}`);
  if (r.violations.length) {
    const detail = r.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join("\n    ")}`).join("\n");
    throw new Error(`axe: ${r.violations.length} violation(s) on ${label} ${page.url()}\n${detail}`);
  }
}

/** No CSP violation, a screenshot, axe clean. */
async function check(page, name) {
  const csp = await page.evaluate(() => window.__csp || []);
  assert(csp.length === 0, `CSP violations on ${name}: ${csp.join("; ")}`);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await axe(page, name);
}

async function newContext(browser, locale, options = {}) {
  const context = await browser.newContext({ baseURL: BASE, locale, acceptDownloads: true, ...options });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return context;
}

// ---- the API side: the administrator, with the demo's published second factor

function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac("sha1", base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

let adminToken = null;
let lastStep = 0;
async function admin(request) {
  if (adminToken) return adminToken;
  // A code works once: wait for a time step not used yet.
  let s = Math.floor(Date.now() / 30000);
  while (s <= lastStep) { await new Promise((r) => setTimeout(r, 1000)); s = Math.floor(Date.now() / 30000); }
  lastStep = s;
  const r = await request.post("/api/v1/auth/token", { data: { email: ADMIN, password: DEMO_PASSWORD, otp: totp(ADMIN_TOTP, s) } });
  assert(r.status() === 200, `admin sign-in: ${r.status()} ${await r.text()}`);
  adminToken = (await r.json()).access_token;
  return adminToken;
}

async function api(request, method, path, data) {
  const token = await admin(request);
  const r = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}` } });
  assert(r.status() < 300, `${method} ${path}: ${r.status()} ${await r.text()}`);
  return r.json();
}

function uscc() {
  const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  let first = "91310115";
  while (first.length < 17) first += alphabet[Math.floor(Math.random() * 31)];
  let sum = 0;
  let w = 1;
  for (const c of first) { sum += alphabet.indexOf(c) * w; w = (w * 3) % 31; }
  return first + alphabet[(31 - (sum % 31)) % 31];
}

/** Presses Tab until the focused element matches; keyboard only. */
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function conditionalDataset(request) {
  const list = await (await request.get("/api/v1/datasets?open_condition=conditional&status=published&limit=50")).json();
  // sh-outpatient-visits is the demo's aggregate-only dataset (src/demo/privacy.rs): never downloaded.
  for (const d of list.items.filter((x) => x.name !== "sh-outpatient-visits")) {
    const full = await (await request.get(`/api/v1/datasets/${encodeURIComponent(d.name)}`)).json();
    const file = full.distributions.find((x) => x.sha256 && x.download_url);
    if (file && full.terms) return { name: d.name, file };
  }
  throw new Error("the demo has no conditional dataset with a hosted file");
}

async function journey(browser, lang) {
  const zh = lang === "zh";
  const L = (z, e) => (zh ? z : e);
  const ctx = await newContext(browser, zh ? "zh-CN" : "en");
  const page = await ctx.newPage();
  const name = L(`门户浏览器${Date.now() % 100000}号科技有限公司`, `门户英文${Date.now() % 100000}号人工智能有限公司`);
  const email = `owner-${lang}-${Date.now()}@example.cn`;
  const code = uscc();
  const wrongCode = code.slice(0, 17) + (code[17] === "0" ? "1" : "0");
  const { name: dataset, file } = await conditionalDataset(page.request);

  await step(`[${lang}] register: field errors keep what was typed`, async () => {
    await page.goto("/");
    await Promise.all([page.waitForURL(/\/register$/), page.click('.account-area a[href="/register"]')]);
    await check(page, `register-${lang}`);
    await page.fill("#f-name", name);
    await page.fill("#f-uscc", wrongCode);
    await page.fill("#f-contact-name", "王明");
    await page.fill("#f-contact-phone", "+86 21 5555 0100");
    await page.fill("#f-contact-email", "not-an-email");
    await page.fill("#f-owner-email", email);
    await page.fill("#f-owner-password", PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/register"] button[type="submit"]')]);
    assert((await page.title()).startsWith(L("错误：", "Error: ")), `title: ${await page.title()}`);
    assert(await page.locator('.error-summary a[href="#f-uscc"]').count() === 1, "the check digit is named in the summary");
    assert(await page.inputValue("#f-uscc") === wrongCode && await page.inputValue("#f-name") === name, "values kept");
    assert(await page.inputValue("#f-contact-email") === "not-an-email", "the wrong email is kept to correct");
    assert(await page.inputValue("#f-owner-password") === "", "the password is not sent back");
    await check(page, `register-errors-${lang}`);
  });

  await step(`[${lang}] register: corrected, it says what happens next`, async () => {
    await page.fill("#f-uscc", code);
    await page.fill("#f-contact-email", "contact@example.cn");
    await page.fill("#f-owner-password", PASSWORD);
    await Promise.all([page.waitForURL(/\/register\/done$/), page.click('form[action="/register"] button[type="submit"]')]);
    await check(page, `registered-${lang}`);
  });

  await step(`[${lang}] an administrator verifies the enterprise through the API`, async () => {
    const list = await api(page.request, "GET", "/api/v1/enterprises?status=pending&limit=100");
    const ent = list.items.find((e) => e.name === name);
    assert(ent, "the registration is pending");
    await api(page.request, "POST", `/api/v1/enterprises/${ent.id}/verify`, { reason: "browser check" });
  });

  await step(`[${lang}] apply → sign in (wrong password first) → back at the form`, async () => {
    await page.goto(`/datasets/${encodeURIComponent(dataset)}`);
    await Promise.all([page.waitForURL(/\/signin\?next=/), page.click(".access-panel a.button-primary")]);
    await check(page, `signin-${lang}`);
    await page.fill("#f-email", email);
    await page.fill("#f-password", "not the password");
    await Promise.all([page.waitForNavigation(), page.click('form[action="/signin"] button[type="submit"]')]);
    assert(await page.locator(".error-summary").count() === 1, "wrong credentials are explained");
    assert(await page.inputValue("#f-email") === email, "the email is kept");
    await check(page, `signin-error-${lang}`);
    await page.fill("#f-password", PASSWORD);
    await Promise.all([page.waitForURL(/\/apply$/), page.click('form[action="/signin"] button[type="submit"]')]);
    assert((await page.textContent(".terms-box h2")).match(/\d/), "the terms' version is shown");
    await check(page, `apply-${lang}`);
  });

  await step(`[${lang}] the request form, keyboard only: errors first, then sent`, async () => {
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await tabTo(page, 'input[name="purpose_category"]');
    await page.keyboard.press("Space");
    await tabTo(page, "#f-purpose");
    await page.keyboard.type(L("训练面向教育规划的学位需求预测模型", "Training a model that forecasts school places"));
    await tabTo(page, "#f-scenario");
    await page.keyboard.type(L("在企业内部隔离的训练集群中处理，不出境", "On an isolated in-house cluster, inside China"));
    await tabTo(page, "#f-duration-days");
    await page.keyboard.type("30");
    await tabTo(page, 'form[action$="/apply"] button[type="submit"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    assert(await page.locator('.error-summary a[href="#f-accept-terms"]').count() === 1, "the terms must be accepted");
    assert(await page.inputValue("#f-purpose") !== "", "typed values are kept");
    await check(page, `apply-errors-${lang}`);
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await tabTo(page, "#f-security-measures");
    await page.keyboard.type(L("数据加密存储，访问留痕，训练后删除原始数据", "Encrypted at rest, every access logged, deleted after training"));
    await tabTo(page, "#f-accept-terms");
    await page.keyboard.press("Space");
    await tabTo(page, 'form[action$="/apply"] button[type="submit"]');
    await Promise.all([page.waitForURL(/\/requests\/.+\?submitted=1$/), page.keyboard.press("Enter")]);
    await check(page, `request-submitted-${lang}`);
  });

  const requestId = page.url().split("/requests/")[1].split("?")[0];
  await step(`[${lang}] my requests`, async () => {
    await page.click(`.main-nav a[href="/requests"]`);
    await page.waitForURL(/\/requests$/);
    assert(await page.locator(`a[href="/requests/${requestId}"]`).count() === 1, "the request is listed");
    await check(page, `requests-${lang}`);
  });

  await step(`[${lang}] an administrator approves through the API`, async () => {
    await api(page.request, "POST", `/api/v1/access-requests/${requestId}/approve`, { conditions: L("仅限境内使用", "Use inside China only") });
    await page.goto(`/requests/${requestId}`);
    await check(page, `request-approved-${lang}`);
  });

  await step(`[${lang}] download from my grants: SHA-256 as the API says`, async () => {
    await page.goto("/grants");
    await check(page, `grants-${lang}`);
    await Promise.all([page.waitForURL(/\/grants\/.+/), page.click(".table a")]);
    await check(page, `grant-${lang}`);
    const button = page.locator(`form[action$="/download"]:has(input[value="${file.id}"]) button`);
    const [download] = await Promise.all([page.waitForEvent("download"), button.click()]);
    const got = createHash("sha256").update(readFileSync(await download.path())).digest("hex");
    assert(got === file.sha256, `downloaded ${got}, the API says ${file.sha256}`);
    await page.reload();
    assert(await page.locator("#log-heading ~ .table-wrap tbody tr").count() >= 2, "the access log shows the token and the download");
  });

  await step(`[${lang}] file a usage report`, async () => {
    await page.fill("#f-period-start", "2026-11-01");
    await page.fill("#f-period-end", "2026-11-30");
    await page.fill("#f-usage", L("用于训练学位需求预测模型", "Used to train the model"));
    await page.fill("#f-outcome", L("模型误差低于 5%", "Error below 5 %"));
    await Promise.all([page.waitForURL(/reported=1/), page.click('form[action$="/usage-reports"] button[type="submit"]')]);
    assert(await page.locator(".notice[role=status]").count() === 1, "the report is confirmed");
    await check(page, `grant-reported-${lang}`);
  });

  await step(`[${lang}] API keys: created once shown, a POST without the token changes nothing`, async () => {
    await page.goto("/keys");
    await check(page, `keys-${lang}`);
    const bare = await page.request.post("/keys", { form: { name: "forged" }, maxRedirects: 0 });
    assert(bare.status() === 403, `no token: ${bare.status()}`);
    await page.fill("#f-name", "pipeline");
    await Promise.all([page.waitForNavigation(), page.click('form[action="/keys"] button[type="submit"]')]);
    const secret = await page.locator("#new-key-secret").textContent();
    assert(secret.startsWith("dgk_"), "the secret is shown once");
    assert(await page.locator("text=forged").count() === 0, "the forged POST created nothing");
    await check(page, `key-created-${lang}`);
  });

  await step(`[${lang}] an expired session sends the person to sign in and back`, async () => {
    await ctx.addCookies([{ name: "dg_session", value: "dgs_expired-or-ended-session-secret", url: BASE }]);
    await page.goto("/grants");
    await page.waitForURL(/\/signin\?next=%2Fgrants$/);
    await page.fill("#f-email", email);
    await page.fill("#f-password", PASSWORD);
    await Promise.all([page.waitForURL(/\/grants$/), page.click('form[action="/signin"] button[type="submit"]')]);
  });

  if (zh) {
    await step("[zh] 375-px viewport: the request form and a grant without sideways scrolling", async () => {
      const mobile = await browser.newContext({ baseURL: BASE, locale: "zh-CN", viewport: { width: 375, height: 812 },
        isMobile: true, hasTouch: true, storageState: await ctx.storageState() });
      const p = await mobile.newPage();
      for (const [url, shot] of [[`/datasets/${encodeURIComponent(dataset)}/apply`, "mobile-apply"], ["/grants", "mobile-grants"],
        [`/requests/${requestId}`, "mobile-request"], ["/keys", "mobile-keys"]]) {
        await p.goto(url);
        const width = await p.evaluate(() => document.documentElement.scrollWidth);
        assert(width <= 375, `${url} is ${width} px wide`);
        await p.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true });
        await axe(p, shot);
      }
      await mobile.close();
    });
  }

  await step(`[${lang}] sign out`, async () => {
    await Promise.all([page.waitForURL(/\/$/), page.click('.account-area form[action="/signout"] button')]);
    assert(await page.locator('.account-area a[href="/signin"]').count() === 1, "signed out");
    const r = await page.goto("/grants");
    assert(page.url().includes("/signin?next="), `after signing out /grants goes to ${page.url()} (${r.status()})`);
  });
  await ctx.close();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    for (const lang of ["zh", "en"]) {
      try { await journey(browser, lang); } catch { /* reported by step */ }
    }
  } finally {
    await browser.close();
  }
  console.log("\naxe-core (WCAG 2.1 A/AA) per enterprise page:");
  for (const r of axeReport) {
    console.log(`  ${r.violations === 0 ? "0 violations" : r.violations + " VIOLATIONS"} (${r.passes} rules passed)  ${r.page}`);
  }
  if (failures.length) console.log("\nfailures:\n  " + failures.join("\n  "));
  console.log(`\nenterprise journey: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(2); });
