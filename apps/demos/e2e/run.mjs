// End-to-end test of the built demo app: serves dist/ with `vite preview` on a free localhost
// port, drives Debian's Chromium (WebGL2 through SwiftShader) with playwright-core, checks every
// page's machine-readable results, saves screenshots to screenshots/ and writes
// test-results.json ({ numPassedTests, numFailedTests, ... }) for the root summary.
// Run after `vite build`:  node e2e/run.mjs
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(appDir, 'dist');
const shotsDir = join(appDir, 'screenshots');
const resultsFile = join(appDir, 'test-results.json');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PAGE_TIMEOUT_MS = Number(process.env.E2E_PAGE_TIMEOUT_MS || 240_000);
/** The GPU result must match the CPU within this relative Frobenius error. */
const TOL = 1e-5;
// The flags from TOOLCHAIN.md. The fresh --user-data-dir comes from playwright itself: launch()
// always starts from a new temporary profile (and refuses a --user-data-dir argument).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

const tests = [];
function record(name, fn) {
  try {
    fn();
    tests.push({ name, ok: true });
    console.log(`  ✓ ${name}`);
  } catch (e) {
    tests.push({ name, ok: false, error: e.message });
    console.log(`  ✗ ${name}\n      ${e.message}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function writeResults(extra = {}) {
  const failed = tests.filter((t) => !t.ok).length;
  const summary = {
    numPassedTests: tests.length - failed,
    numFailedTests: failed,
    numTotalTests: tests.length,
    success: failed === 0 && tests.length > 0,
    testResults: tests,
    ...extra,
  };
  writeFileSync(resultsFile, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** Opens `path`, waits until body[data-status] leaves 'running', returns window.__results. */
async function openPage(browser, base, path, name) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
  const t0 = Date.now();
  const response = await page.goto(`${base}${path}`, { waitUntil: 'load' });
  let results = null;
  let waitError = null;
  try {
    await page.waitForFunction(() => document.body.dataset.status && document.body.dataset.status !== 'running', null, {
      timeout: PAGE_TIMEOUT_MS,
      polling: 250,
    });
  } catch (e) {
    waitError = e.message.split('\n')[0];
  }
  results = await page.evaluate(() => window.__results ?? null);
  const status = await page.evaluate(() => document.body.dataset.status ?? null);
  const seconds = (Date.now() - t0) / 1000;
  // Let the last plot paint before the screenshot.
  await page.waitForTimeout(200);
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
  console.log(`${path}: status ${status} after ${seconds.toFixed(1)} s`);
  return { page, response, results, status, waitError, consoleErrors, seconds };
}

async function main() {
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new Error(`no build in ${distDir}: run \`vite build\` first (turbo runs build before e2e)`);
  }
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  mkdirSync(shotsDir, { recursive: true });
  const slugs = existsSync(join(distDir, 'pages'))
    ? readdirSync(join(distDir, 'pages'))
        .filter((f) => f.endsWith('.html'))
        .map((f) => f.slice(0, -5))
        .sort()
    : [];

  const port = await freePort();
  const server = await preview({
    root: appDir,
    configFile: join(appDir, 'vite.config.ts'),
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  const base = `http://127.0.0.1:${port}/`;
  console.log(`vite preview at ${base}; Chromium ${executablePath}; pages: ${slugs.join(', ') || '(none)'}`);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
  const pageReports = {};
  try {
    console.log(`Chromium ${browser.version()}`);
    // Home page.
    {
      const r = await openPage(browser, base, 'index.html', 'home');
      const cards = await r.page.locator('[data-package]').count();
      const links = await r.page.locator('[data-package] h2 a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      record('home: loads and lists the nine packages', () => {
        assert(r.response?.ok(), `HTTP ${r.response?.status()}`);
        assert(r.status === 'done', `data-status is ${r.status}`);
        assert(cards === 9, `expected 9 package cards, found ${cards}`);
      });
      record('home: links to every demo page in the build', () => {
        for (const s of slugs) assert(links.includes(`pages/${s}.html`), `no link to pages/${s}.html (links: ${links.join(', ')})`);
      });
      record('home: no console errors', () => assert(r.consoleErrors.length === 0, r.consoleErrors.join(' | ')));
      if (slugs.length > 0) {
        // Follow the first demo link like a user would; the page itself is checked below.
        const href = `pages/${slugs[0]}.html`;
        await r.page.locator(`a[href="${href}"]`).first().click();
        await r.page.waitForLoadState('load');
        const url = r.page.url();
        record(`home: the ${slugs[0]} link opens its page`, () => assert(url.endsWith(`/${href}`), `landed on ${url}`));
      }
      await r.page.close();
    }
    // Every package page: the shared contract (data-status, window.__results).
    for (const slug of slugs) {
      const r = await openPage(browser, base, `pages/${slug}.html`, slug);
      const res = r.results;
      pageReports[slug] = { status: r.status, seconds: r.seconds, results: res };
      record(`${slug}: finishes with data-status "done" and results ok`, () => {
        assert(!r.waitError, `did not finish within ${PAGE_TIMEOUT_MS / 1000} s: ${r.waitError}`);
        assert(res, 'window.__results is missing');
        assert(res.done === true, 'window.__results.done is not true');
        assert(!res.error, `page error: ${res.error}`);
        assert(r.status === 'done', `data-status is ${r.status}`);
        assert(res.ok === true, 'window.__results.ok is not true');
      });
      record(`${slug}: every registered experiment ran and passed`, () => {
        const ex = res?.experiments ?? [];
        const bad = ex.filter((e) => !e.ok);
        assert(bad.length === 0, bad.map((e) => `${e.id}: ${e.summary}`).join('; '));
      });
      const plots = await r.page.locator('.uplot canvas').count();
      record(`${slug}: plots drawn`, () => {
        const expected = res?.experiments?.length ? 1 : 0;
        assert(plots >= expected, `expected at least ${expected} uPlot canvas, found ${plots}`);
      });
      if (slug === 'gpu') {
        record('gpu: gpu.js ran on WebGL2', () => {
          assert(res?.mode === 'webgl2', `device.info.mode is ${JSON.stringify(res?.mode)} (info: ${JSON.stringify(res?.info?.gpu)})`);
        });
        record(`gpu: every GPU product matches the CPU (rel. error < ${TOL})`, () => {
          const t = res?.timings ?? [];
          assert(t.length >= 8, `expected at least 8 products, got ${t.length}`);
          assert(t.some((x) => x.m % 2 === 1 || x.n % 3 === 0 || x.m !== x.n), 'no non-power-of-two shape was tested');
          const bad = t.filter((x) => !(x.relErr < TOL));
          assert(bad.length === 0, bad.map((x) => `${x.m}x${x.k}x${x.n}: ${x.relErr}`).join(', '));
          assert(res.maxRelErr < TOL, `maxRelErr ${res.maxRelErr}`);
        });
        record('gpu: timings and both plots present', () => {
          const t = res?.timings ?? [];
          assert(t.every((x) => x.gpuMs > 0 && x.cpuMs > 0), 'a timing is missing');
          assert(plots >= 2, `expected the two timing plots, found ${plots} canvases`);
        });
      }
      record(`${slug}: no console errors`, () => assert(r.consoleErrors.length === 0, r.consoleErrors.join(' | ')));
      await r.page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return pageReports;
}

let pages = {};
try {
  pages = await main();
} catch (e) {
  tests.push({ name: 'e2e harness', ok: false, error: e.message });
  console.error(`e2e harness failed: ${e.stack || e.message}`);
}
const summary = writeResults({ pages: Object.fromEntries(Object.entries(pages).map(([k, v]) => [k, { status: v.status, seconds: v.seconds, mode: v.results?.mode, maxRelErr: v.results?.maxRelErr }])) });
console.log(`e2e: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed; screenshots in ${shotsDir}`);
process.exit(summary.success ? 0 : 1);
