// The portal in Debian's Chromium, driven by playwright-core; axe-core for
// WCAG 2.1 A/AA. Usage: node check.mjs BASE_URL SCREENSHOT_DIR CHROMIUM
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "node_modules", "x.js"));
const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [BASE, SHOTS, CHROMIUM] = process.argv.slice(2);
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

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
  }
}

/** Runs axe-core in the page (evaluate is not subject to the page's CSP). */
async function axe(page, label) {
  const result = await page.evaluate(async ([source, tags]) => {
    if (!window.axe) { (0, eval)(source); }
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return { passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").split("\n").join(" ")) })) };
  }, [AXE, WCAG]);
  const { passes } = result;
  const violations = result.violations;
  axeReport.push({ page: label, url: page.url(), violations: violations.length, passes });
  // A run that checked (almost) nothing would pass vacuously.
  assert(passes >= 10, `axe checked only ${passes} rules on ${label}`);

  if (violations.length) {
    const detail = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join("\n    ")}`).join("\n");
    throw new Error(`axe: ${violations.length} violation(s) on ${label} ${page.url()}\n${detail}`);
  }
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Checks a page: no CSP violation, axe clean, screenshot. */
async function check(page, name) {
  const csp = await page.evaluate(() => window.__csp || []);
  assert(csp.length === 0, `CSP violations on ${name}: ${csp.join("; ")}`);
  await shot(page, name);
  await axe(page, name);
}

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

async function sha256Of(request, url) {
  const r = await request.get(url);
  assert(r.status() === 200, `download ${url}: ${r.status()}`);
  return createHash("sha256").update(await r.body()).digest("hex");
}

async function newContext(browser, options = {}) {
  const context = await browser.newContext({ baseURL: BASE, locale: "zh-CN", ...options });
  // Records Content-Security-Policy violations (an init script runs outside the page's CSP).
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return context;
}

/** The public journey: home → search 教育 → facet → dataset → download, checked against the API. */
async function journey(page, lang) {
  const suffix = lang;
  await step(`[${lang}] home`, async () => {
    await page.goto("/");
    assert((await htmlLang(page)) === (lang === "zh" ? "zh-CN" : "en"), `html lang is ${await htmlLang(page)}`);
    await check(page, `home-${suffix}`);
  });
  await step(`[${lang}] search 教育`, async () => {
    await page.fill("#home-q", "教育");
    await Promise.all([page.waitForURL(/\/datasets\?q=/), page.press("#home-q", "Enter")]);
    const count = await page.locator(".cards > li").count();
    assert(count > 0, "no results for 教育");
    const summary = await page.textContent(".results-summary");
    assert(/\d/.test(summary), `summary: ${summary}`);
    await check(page, `search-${suffix}`);
  });
  let datasetUrl;
  await step(`[${lang}] facet filter: open to all`, async () => {
    const link = page.locator('.facets a[href*="open_condition=unconditional"]').first();
    await Promise.all([page.waitForURL(/open_condition=unconditional/), link.click()]);
    assert(await page.locator(".chip").count() >= 1, "no removable filter shown");
    const badges = await page.locator(".cards .badge.cond-unconditional").count();
    const cards = await page.locator(".cards > li").count();
    assert(cards > 0 && badges === cards, `${cards} results, ${badges} marked open`);
    await check(page, `search-filtered-${suffix}`);
  });
  await step(`[${lang}] dataset page with an open file`, async () => {
    const hrefs = await page.locator(".cards .card-title a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    for (const href of hrefs) {
      await page.goto(href);
      if (await page.locator("a[download]").count()) { datasetUrl = href; break; }
    }
    assert(datasetUrl, "no dataset among the results has a downloadable file");
    const ld = JSON.parse(await page.locator('script[type="application/ld+json"]').textContent());
    assert(ld["@type"] === "Dataset" && ld.name, "schema.org JSON-LD");
    assert(await page.locator('link[rel="alternate"][type="text/turtle"]').count() === 1, "DCAT alternate link");
    await check(page, `dataset-${suffix}`);
  });
  await step(`[${lang}] download: SHA-256 matches the API's`, async () => {
    const link = page.locator("a[download]").first();
    const href = await link.getAttribute("href");
    const id = href.split("/")[4];
    const name = decodeURIComponent(datasetUrl.split("/").pop());
    const api = await (await page.request.get(`/api/v1/datasets/${encodeURIComponent(name)}`)).json();
    const dist = api.distributions.find((d) => d.id === id);
    assert(dist && dist.sha256, `the API lists distribution ${id}`);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const path = await download.path();
    const got = createHash("sha256").update(readFileSync(path)).digest("hex");
    assert(got === dist.sha256, `downloaded ${got}, the API says ${dist.sha256}`);
    const shown = await page.locator(".checksum").first().textContent();
    assert(shown.trim() === dist.sha256, "the page shows the API's checksum");
    assert((await sha256Of(page.request, href)) === dist.sha256, "a second download agrees");
  });
}

async function main() {
  // playwright-core gives each launch a fresh, temporary user-data dir of its own.
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  console.log(`browser ${browser.version()} started in ${Date.now() - started} ms`);
  try {
    const context = await newContext(browser, { acceptDownloads: true });
    const page = await context.newPage();

    await journey(page, "zh");

    await step("[en] the language switch (a POST form) turns the portal to English", async () => {
      await page.goto("/");
      await Promise.all([page.waitForLoadState("load"), page.click(".lang-switch button")]);
      await page.waitForFunction(() => document.documentElement?.lang === "en");
      assert(page.url().endsWith("/"), `back on ${page.url()}`);
    });
    await journey(page, "en");

    await step("[en] other public pages pass axe", async () => {
      const pages = [
        ["/corpora", "corpora-en"],
        ["/bureaus", "bureaus-en"],
        ["/datasets?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E7%A7%8D%E6%95%B0%E6%8D%AE&domain=tourism", "search-empty-en"],
      ];
      for (const [url, name] of pages) { await page.goto(url); await check(page, name); }
    });

    await step("[zh] every kind of public page passes axe", async () => {
      await page.goto("/");
      await Promise.all([page.waitForLoadState("load"), page.click(".lang-switch button")]);
      await page.waitForFunction(() => document.documentElement?.lang === "zh-CN");
      const list = async (path) => (await (await page.request.get(path)).json()).items;
      const pick = async (cond) => (await list(`/api/v1/datasets?open_condition=${cond}&status=published&limit=1`))[0].name;
      const pages = [
        ["/corpora", "corpora-zh"],
        ["/bureaus", "bureaus-zh"],
        [`/datasets/${encodeURIComponent(await pick("conditional"))}`, "dataset-conditional-zh"],
        [`/datasets/${encodeURIComponent(await pick("not_open"))}`, "dataset-not-open-zh"],
        ["/datasets?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E7%A7%8D%E6%95%B0%E6%8D%AE&domain=tourism", "search-empty-zh"],
        ["/datasets?sort=title&cursor=", "search-sorted-zh"],
        ["/no-such-page", "not-found-zh"],
      ];
      for (const m of ["text", "image", "sensor", "geo"]) {
        const c = (await list(`/api/v1/corpora?modality=${m}&limit=1`))[0];
        pages.push([`/corpora/${encodeURIComponent(c.name)}`, `corpus-${m}-zh`]);
      }
      const bureau = (await list("/api/v1/bureaus?limit=1"))[0];
      pages.push([`/bureaus/${bureau.id}`, "bureau-zh"]);
      for (const [url, name] of pages) {
        const r = await page.goto(url);
        assert(r.status() === (name.startsWith("not-found") ? 404 : 200), `${url}: ${r.status()}`);
        if (name === "dataset-conditional-zh") {
          const apply = await page.locator('a.button-primary[href^="/signin?next=%2Fdatasets%2F"]').count();
          assert(apply === 1, "a conditional dataset offers to apply, through sign-in");
          assert(await page.locator("a[download]").count() === 0, "and no download");
        }
        await check(page, name);
      }
    });

    await step("[zh] paging: next and previous pages", async () => {
      await page.goto("/datasets");
      const first = await page.locator(".cards .card-title a").first().getAttribute("href");
      await Promise.all([page.waitForURL(/cursor=/), page.click('.pager a[rel="next"]')]);
      const second = await page.locator(".cards .card-title a").first().getAttribute("href");
      assert(first !== second, "the next page shows other datasets");
      await Promise.all([page.waitForURL(/cursor=/), page.click('.pager a[rel="next"]')]);
      await Promise.all([page.waitForLoadState("load"), page.click('.pager a[rel="prev"]')]);
      assert((await page.locator(".cards .card-title a").first().getAttribute("href")) === second, "previous of page 3 is page 2");
      await Promise.all([page.waitForLoadState("load"), page.click('.pager a[rel="prev"]')]);
      assert((await page.locator(".cards .card-title a").first().getAttribute("href")) === first, "previous of page 2 is page 1");
      await check(page, "search-page-1-again-zh");
    });

    await step("CSRF: a POST without the token is refused and changes nothing", async () => {
      await page.goto("/");
      assert((await htmlLang(page)) === "zh-CN", "starts in Chinese");
      const bare = await page.request.post("/language", { form: { lang: "en", next: "/" }, maxRedirects: 0 });
      assert(bare.status() === 403, `no token: ${bare.status()}`);
      assert((bare.headers()["content-type"] || "").startsWith("text/html"), "refusal is a page");
      assert(!(bare.headers()["set-cookie"] || "").includes("dg_lang"), "no language cookie set");
      const forged = await page.request.post("/language", { form: { lang: "en", next: "/", csrf_token: "AAAA" }, maxRedirects: 0 });
      assert(forged.status() === 403, `forged token: ${forged.status()}`);
      await page.goto("/");
      assert((await htmlLang(page)) === "zh-CN", "still Chinese after the refused POSTs");
      // The same refusal as a person meets it: a form without the token, submitted by the browser.
      await Promise.all([page.waitForURL(/\/language$/), page.evaluate(() => {
        const f = document.createElement("form");
        f.method = "post"; f.action = "/language";
        const i = document.createElement("input"); i.type = "hidden"; i.name = "lang"; i.value = "en"; f.appendChild(i);
        document.body.appendChild(f); f.submit();
      })]);
      assert((await page.textContent("h1")).includes("未做任何更改"), "the page explains");
      assert(await page.locator(".request-id").count() === 1, "the request id is shown");
      await check(page, "csrf-refused-zh");
      await page.goto("/");
      assert((await htmlLang(page)) === "zh-CN", "still Chinese");
    });
    await context.close();

    await step("keyboard only: skip link, search, facet", async () => {
      const ctx = await newContext(browser);
      const p = await ctx.newPage();
      await p.goto("/");
      await p.keyboard.press("Tab");
      assert(await p.evaluate(() => document.activeElement.classList.contains("skip-link")), "first Tab reaches the skip link");
      const visible = await p.evaluate(() => document.activeElement.getBoundingClientRect().top >= 0);
      assert(visible, "the skip link shows when focused");
      await p.keyboard.press("Enter");
      assert(await p.evaluate(() => document.activeElement.id === "main"), "skip link moves focus to the main content");
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await p.keyboard.press("Tab");
        reached = await p.evaluate(() => document.activeElement.id === "home-q");
      }
      assert(reached, "Tab reaches the search box");
      const ring = await p.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== "none" || s.boxShadow !== "none";
      });
      assert(ring, "the focused search box shows focus");
      await p.keyboard.type("医疗");
      await Promise.all([p.waitForURL(/q=/), p.keyboard.press("Enter")]);
      let onFacet = false;
      for (let i = 0; i < 80 && !onFacet; i++) {
        await p.keyboard.press("Tab");
        onFacet = await p.evaluate(() => !!document.activeElement.closest(".facets") && document.activeElement.tagName === "A");
      }
      assert(onFacet, "Tab reaches a facet link");
      const linkRing = await p.evaluate(() => getComputedStyle(document.activeElement).backgroundColor);
      assert(linkRing === "rgb(255, 191, 0)", `a focused link is highlighted (${linkRing})`);
      await Promise.all([p.waitForURL(/&|%26/), p.keyboard.press("Enter")]);
      assert(await p.locator(".chip").count() >= 1, "Enter on a facet applies it");
      await shot(p, "keyboard-search-zh");
      await ctx.close();
    });

    await step("375-px viewport: no sideways scrolling, targets ≥ 44 px", async () => {
      const ctx = await newContext(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
      const p = await ctx.newPage();
      for (const [url, name] of [["/", "mobile-home"], ["/datasets?q=%E6%95%99%E8%82%B2", "mobile-search"]]) {
        await p.goto(url);
        const width = await p.evaluate(() => document.documentElement.scrollWidth);
        assert(width <= 375, `${url} is ${width} px wide`);
        await p.screenshot({ path: join(SHOTS, `${name}-top.png`) });
        await check(p, name);
      }
      const href = await p.locator(".cards .card-title a").first().getAttribute("href");
      await p.goto(href);
      const width = await p.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 375, `${href} is ${width} px wide`);
      const small = await p.evaluate(() => [...document.querySelectorAll("button, .button, .main-nav a, .facet a, .pager a")]
        .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map((e) => e.outerHTML.slice(0, 80)));
      assert(small.length === 0, `targets under 44 px: ${small.join(" | ")}`);
      await check(p, "mobile-dataset");
      await ctx.close();
    });

    await step("text at 200 %: no sideways scrolling at 1280 px", async () => {
      const ctx = await newContext(browser, { viewport: { width: 1280, height: 900 } });
      const p = await ctx.newPage();
      for (const [url, name] of [["/", "text-200-home"], ["/datasets?q=%E6%95%99%E8%82%B2", "text-200-search"]]) {
        await p.goto(url);
        await p.evaluate(() => { document.documentElement.style.fontSize = "200%"; });
        const width = await p.evaluate(() => document.documentElement.scrollWidth);
        assert(width <= 1280, `${url} is ${width} px wide at 200 % text`);
        await shot(p, name);
      }
      await ctx.close();
    });
  } finally {
    await browser.close();
  }
  console.log("\naxe-core (WCAG 2.1 A/AA) per page:");
  for (const r of axeReport) {
    console.log(`  ${r.violations === 0 ? "0 violations" : r.violations + " VIOLATIONS"} (${r.passes} rules passed)  ${r.page}`);
  }
  console.log(`\n${axeReport.length} pages checked with axe-core; screenshots in ${SHOTS}`);
  if (failures.length) console.log("\nfailures:\n  " + failures.join("\n  "));
  console.log(`\nportal: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(2); });
