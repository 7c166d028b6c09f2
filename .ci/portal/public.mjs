// The findings of the review of the portal's public side (issue 12) that
// only a browser shows: tiles at 200 % text on a 375-px screen, 44-px
// targets (copy button, footer links), the copy confirmation announced,
// aria-current only on a section's list page, the language form never
// leading to another origin, and a NUL path answered as a page.
// Usage: node public.mjs BASE_URL CHROMIUM   (run by .ci/portal-check)
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "node_modules", "x.js"));
const { chromium } = require("playwright-core");

const [BASE, CHROMIUM] = process.argv.slice(2);
let failed = 0;
let passed = 0;

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
    console.log(`  FAIL ${name} (${Date.now() - started} ms)\n       ${e.message.split("\n").join("\n       ")}`);
  }
}

/** The first dataset page (from the unconditional list) that shows a checksum. */
async function pageWithChecksum(p) {
  await p.goto("/datasets?open_condition=unconditional");
  const hrefs = await p.locator(".cards .card-title a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  for (const href of hrefs) {
    await p.goto(href);
    if (await p.locator(".checksum").count()) return href;
  }
  throw new Error("no dataset page with a checksum");
}

/** Elements matching `selector` that are shown and less than 44 px high. */
async function small(p, selector) {
  return p.evaluate((sel) => [...document.querySelectorAll(sel)]
    .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
    .map((e) => `${e.outerHTML.slice(0, 70)} (${Math.round(e.getBoundingClientRect().height)} px)`), selector);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    await step("375 px at 200 % text: tiles fit, no sideways scrolling", async () => {
      const ctx = await browser.newContext({ baseURL: BASE, locale: "zh-CN", viewport: { width: 375, height: 812 } });
      const p = await ctx.newPage();
      for (const lang of ["zh-CN", "en"]) {
        await ctx.addCookies([{ name: "dg_lang", value: lang === "en" ? "en" : "zh", url: BASE }]);
        await p.goto("/");
        await p.evaluate(() => { document.documentElement.style.fontSize = "200%"; });
        const wide = await p.evaluate(() => [...document.querySelectorAll(".tiles, .tile")]
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
          .map((e) => `${e.className} ends at ${Math.round(e.getBoundingClientRect().right)} px`));
        assert(wide.length === 0, `${lang}: ${wide.slice(0, 4).join("; ")}`);
        const width = await p.evaluate(() => document.documentElement.scrollWidth);
        assert(width <= 375, `${lang}: the home page is ${width} px wide at 200 % text`);
      }
      await ctx.close();
    });

    await step("44-px targets: copy button, footer links", async () => {
      const ctx = await browser.newContext({ baseURL: BASE, locale: "zh-CN", viewport: { width: 375, height: 812 },
        isMobile: true, hasTouch: true });
      const p = await ctx.newPage();
      await pageWithChecksum(p);
      assert(await p.locator(".copy-button").count() > 0, "the copy button is there");
      const under = [...await small(p, ".copy-button"), ...await small(p, ".footer-links a, .registration-list a")];
      assert(under.length === 0, `targets under 44 px: ${under.join(" | ")}`);
      await ctx.close();
    });

    await step("the copy confirmation is announced (aria-live)", async () => {
      const ctx = await browser.newContext({ baseURL: BASE, locale: "zh-CN" });
      await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
      const p = await ctx.newPage();
      await pageWithChecksum(p);
      const expected = await p.locator(".checksum").first().getAttribute("data-copied-label");
      const live = p.locator(".copy-button + [aria-live]").first();
      assert(await live.count() === 1, "a live region follows the copy button");
      assert((await live.textContent()).trim() === "", "empty before copying");
      await p.locator(".copy-button").first().click();
      await p.waitForFunction(
        (label) => document.querySelector(".copy-button + [aria-live]").textContent.trim() === label, expected);
      const copied = await p.evaluate(() => navigator.clipboard.readText());
      const sha = await p.locator(".checksum").first().getAttribute("data-copy");
      assert(copied === sha, `the clipboard holds ${copied}`);
      await ctx.close();
    });

    await step("aria-current only on a section's own list page", async () => {
      const ctx = await browser.newContext({ baseURL: BASE, locale: "zh-CN" });
      const p = await ctx.newPage();
      await p.goto("/datasets");
      assert(await p.locator('.main-nav a[href="/datasets"][aria-current="page"]').count() === 1, "on /datasets");
      const href = await p.locator(".cards .card-title a").first().getAttribute("href");
      await p.goto(href);
      assert(await p.locator('.main-nav [aria-current]').count() === 0, `none in the main nav of ${href}`);
      assert(await p.locator('.main-nav a.nav-section[href="/datasets"]').count() === 1, "the section still shows");
      await ctx.close();
    });

    await step("the language form stays on this site, whatever next= holds", async () => {
      const ctx = await browser.newContext({ baseURL: BASE, locale: "zh-CN" });
      const p = await ctx.newPage();
      await p.goto("/");
      const token = await p.locator('input[name="csrf_token"]').first().getAttribute("value");
      for (const next of ["/\t/evil.example/phish", "/\n/evil.example", "\t//evil.example", "/\u0001x", "/\u000bevil"]) {
        const r = await p.evaluate(async ([token, next]) => {
          const body = new URLSearchParams({ csrf_token: token, lang: "zh", next });
          const res = await fetch("/language", { method: "POST", body, redirect: "follow" });
          return { status: res.status, url: res.url };
        }, [token, next]);
        assert(r.status === 200 && new URL(r.url).origin === new URL(BASE).origin,
          `${JSON.stringify(next)}: ${r.status} ${r.url}`);
      }
      await ctx.close();
    });

    await step("a NUL in a page path is a page with the portal's headers", async () => {
      const ctx = await browser.newContext({ baseURL: BASE, locale: "en" });
      const p = await ctx.newPage();
      for (const path of ["/datasets/%00", "/%00", "/assets/%00"]) {
        const r = await p.goto(path);
        assert(r.status() === 404, `${path}: ${r.status()}`);
        const h = r.headers();
        assert(h["content-type"].startsWith("text/html") && h["content-security-policy"], `${path}: ${h["content-type"]}`);
        assert(await p.locator(".request-id").count() === 1, `${path}: the request id to quote`);
      }
      await ctx.close();
    });
  } finally {
    await browser.close();
  }
  console.log(`\npublic-side findings: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
