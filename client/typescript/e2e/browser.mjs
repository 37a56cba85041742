#!/usr/bin/env node
// Drives headless Chromium (puppeteer-core) through what a frontend does with the API.
//
//   node e2e/browser.mjs <phase> <api base URL> <allowed origin port> <other origin port> [artifacts dir]
//
// Serves page.html from http://localhost:<allowed port> (an origin in the server's
// CORS_ORIGINS) and from http://localhost:<other port> (one that is not), then:
//   up       the page, from the allowed origin, calls every operation (database up): with
//            the access token in STATUSBOARD_TOKEN (scopes components:write and
//            reports:write), it creates a component, posts reports (preflighted: Authorization,
//            Content-Type, Idempotency-Key), reads the board back and pages through the
//            reports, subscribes to the live board (the window, caught_up, a new report
//            shown, resuming after a cut connection); from the other origin it is
//            blocked, reads, writes and the live board (403) alike; the docs page renders its operations with
//            every request to another host refused, and makes none (screenshot kept);
//   down     the database stopped: /ready 200 saying so, the summary from memory marked
//            stale, a write a typed 503.
// Prints one line per check and exits 1 if any failed. CHROMIUM overrides /usr/bin/chromium.
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const [phase, api, allowedPort, otherPort, artifacts = "target/browser"] = process.argv.slice(2);
if (!["up", "down"].includes(phase) || !api || !allowedPort || !otherPort) {
  console.error("usage: browser.mjs up|down <api> <allowed port> <other port> [artifacts dir]");
  process.exit(2);
}
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const TYPES = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript" };
const results = [];
const record = (name, ok, detail = "") => {
  results.push({ name, ok });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
};

/** Serves the package's files (page, built client, openapi-fetch) on `port`. */
function serve(port) {
  const server = createServer(async (request, response) => {
    const path = normalize(new URL(request.url, "http://x").pathname).replace(/^\/+/, "");
    try {
      const body = await readFile(join(packageDir, path || "e2e/page.html"));
      response.writeHead(200, { "content-type": TYPES[extname(path)] ?? "text/html" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(Number(port), "127.0.0.1", () => resolve(server)));
}

/** Opens the page from `origin` for `pagePhase` and records its checks. */
async function runPage(browser, origin, pagePhase) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => console.log(`page error (${pagePhase}): ${error}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    errors.push(message.text());
    console.log(`console (${pagePhase}): ${message.text()}`);
  });
  // The access token travels in the fragment, which the page server never sees.
  const token = encodeURIComponent(process.env.STATUSBOARD_TOKEN ?? "");
  await page.goto(
    `${origin}/e2e/page.html?api=${encodeURIComponent(api)}&phase=${pagePhase}#token=${token}`,
  );
  await page.waitForFunction(() => window.done === true, { timeout: 20_000 });
  for (const { name, ok, detail } of await page.evaluate(() => window.checks)) {
    record(`[${pagePhase} from ${origin}] ${name}`, ok, detail);
  }
  if (pagePhase === "blocked") {
    const refusal = errors.find((text) => text.includes("/api/v1/events"));
    record(`[${pagePhase} from ${origin}] the WebSocket upgrade is answered 403`,
      refusal?.includes("403"), refusal ?? "no console error about /api/v1/events");
  }
  await page.close();
}

/** The docs page: renders its operations; every request to another host is refused. */
async function docsPage(browser) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const apiOrigin = new URL(api).origin;
  const foreign = [];
  const violations = [];
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === apiOrigin) {
      request.continue();
    } else {
      foreign.push(url);
      request.abort("blockedbyclient");
    }
  });
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  const response = await page.goto(`${api}/api/v1/docs`, { waitUntil: "networkidle0" });
  const csp = response.headers()["content-security-policy"] ?? "";
  record("docs: sends a Content-Security-Policy allowing only its own origin",
    csp.includes("default-src 'self'"), csp);
  await page.waitForFunction(
    () => document.body.innerText.includes("Check that the service is ready to serve traffic"),
    { timeout: 20_000 },
  );
  const text = await page.evaluate(() => document.body.innerText);
  record("docs: renders every operation under the policy",
    text.includes("Check that the service is alive") && text.includes("/api/v1/ready"));
  record("docs: makes no request to another host", foreign.length === 0, foreign.join(", "));
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, "docs.png"), fullPage: false });
  console.log(`     docs page screenshot: ${join(artifacts, "docs.png")}; the policy held back `
    + `${violations.length} load(s) Redoc tried (its logo on cdn.redoc.ly)`);
  await page.close();
}

const servers = await Promise.all([serve(allowedPort), serve(otherPort)]);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const allowed = `http://localhost:${allowedPort}`;
  if (phase === "up") {
    await runPage(browser, allowed, "up");
    await runPage(browser, `http://localhost:${otherPort}`, "blocked");
    await docsPage(browser);
  } else {
    await runPage(browser, allowed, "down");
  }
} catch (error) {
  record("the browser session ran to its end", false, String(error));
} finally {
  await browser.close();
  servers.forEach((server) => server.close());
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length} browser checks, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
