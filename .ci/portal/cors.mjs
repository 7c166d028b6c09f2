// Cross-origin reads in a real browser (issue 22): a page served from
// another origin on loopback reads the open list from datagate, and cannot
// read /api/v1/me with a bearer token (the preflight is refused, so the
// browser never sends the token). Usage: node cors.mjs BASE_URL CHROMIUM
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "node_modules", "x.js"));
const { chromium } = require("playwright-core");

const [BASE, CHROMIUM] = process.argv.slice(2);
const OWNER = "owner@zhisuan-demo.example.cn";
const PASSWORD = "datagate-demo-2026";

let passed = 0;
const failures = [];
async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`  ok   ${name}`);
  } catch (e) {
    failures.push(`${name}: ${e.message}`);
    console.log(`  FAIL ${name}\n       ${e.message}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// The other origin: "localhost" on a port of its own, serving one page.
const page = "<!doctype html><html lang=en><title>notebook</title><h1>a notebook on another origin</h1>";
const server = createServer((_, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(page);
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const OTHER = `http://localhost:${server.address().port}`;
assert(new URL(OTHER).origin !== new URL(BASE).origin, "the page must be cross-origin");

// A real token for the demo enterprise's owner, obtained outside the browser.
const signin = await fetch(`${BASE}/api/v1/auth/token`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: OWNER, password: PASSWORD }),
});
if (signin.status !== 200) {
  console.error(`sign-in as ${OWNER}: ${signin.status} ${await signin.text()}`);
  process.exit(2);
}
const { access_token: token } = await signin.json();
const direct = await fetch(`${BASE}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
assert(direct.status === 200, `the token works without a browser: ${direct.status}`);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const tab = await (await browser.newContext()).newPage();
  await tab.goto(`${OTHER}/`);
  await step(`a page on ${OTHER} reads ${BASE}/api/v1/datasets`, async () => {
    const r = await tab.evaluate(async (base) => {
      const res = await fetch(`${base}/api/v1/datasets?limit=2`);
      const body = await res.json();
      return { status: res.status, items: body.items.length, total: body.total,
        etag: res.headers.get("etag"), link: res.headers.get("link") };
    }, BASE);
    assert(r.status === 200 && r.items === 2 && r.total > 2, `read ${JSON.stringify(r)}`);
    assert(r.etag && r.link && r.link.includes('rel="next"'), `ETag and Link exposed: ${JSON.stringify(r)}`);
  });
  await step("the same page reads DCAT and the CKAN API, with a preflighted If-None-Match", async () => {
    const r = await tab.evaluate(async (base) => {
      const first = await fetch(`${base}/api/3/action/package_search?rows=1`);
      const etag = first.headers.get("etag");
      const again = await fetch(`${base}/api/3/action/package_search?rows=1`,
        { headers: { "if-none-match": etag }, cache: "no-store" });
      const dcat = await fetch(`${base}/api/v1/catalog.ttl?limit=1`);
      return { first: first.status, again: again.status, dcat: dcat.status, ttl: (await dcat.text()).length };
    }, BASE);
    assert(r.first === 200 && r.again === 304 && r.dcat === 200 && r.ttl > 100, JSON.stringify(r));
  });
  await step("the same page cannot read /api/v1/me with a token", async () => {
    const r = await tab.evaluate(async ([base, token]) => {
      try {
        const res = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
        return { read: true, status: res.status, body: await res.text() };
      } catch (e) {
        return { read: false, error: String(e) };
      }
    }, [BASE, token]);
    assert(!r.read, `read /api/v1/me cross-origin: ${JSON.stringify(r)}`);
    assert(/TypeError|Failed to fetch/.test(r.error), `refused by CORS: ${r.error}`);
  });
  await step("nor with the browser's own credentials", async () => {
    const r = await tab.evaluate(async (base) => {
      try {
        const res = await fetch(`${base}/api/v1/datasets`, { credentials: "include" });
        return { read: true, status: res.status };
      } catch (e) {
        return { read: false, error: String(e) };
      }
    }, BASE);
    assert(!r.read, `a credentialed read got through '*': ${JSON.stringify(r)}`);
  });
} finally {
  await browser.close();
  server.close();
}
if (failures.length) console.log("\nfailures:\n  " + failures.join("\n  "));
console.log(`\ncors: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
