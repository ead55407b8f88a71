// End-to-end test of the built demo app: serves dist/ with `vite preview` on a free localhost
// port, drives Debian's Chromium (WebGL2 through SwiftShader) with playwright-core, checks every
// page's machine-readable results, saves screenshots to screenshots/ and writes
// test-results.json ({ numPassedTests, numFailedTests, ... }) for the root summary.
// Run after `vite build`:  node e2e/run.mjs
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { checkLmPage } from './lm.mjs';
import { plotDefects, plotTestSelfCheck } from './plot-checks.mjs';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(appDir, 'dist');
const shotsDir = join(appDir, 'screenshots');
const resultsFile = join(appDir, 'test-results.json');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PAGE_TIMEOUT_MS = Number(process.env.E2E_PAGE_TIMEOUT_MS || 240_000);
/** The GPU result must match the CPU within this relative Frobenius error. */
const TOL = 1e-5;
/**
 * Package pages run one quick experiment each (`?autorun=<id>`): one of the fastest that draws
 * plots. A page not named here runs its first experiment (`?autorun=first`).
 */
export const AUTORUN = {
  // logah-tiny: its second plot is categorical (grouped bars).
  'graph-init': 'graph-init/logah-tiny',
  inr: 'inr/grkan-vs-mlp',
  linalg: 'linalg/frame-views',
  nn: 'nn/mlp-regression',
  optim: 'optim/subgm-outliers',
  peft: 'peft/cross-init-toy',
  ssm: 'ssm/deltaproduct-s3-tracker',
  streaming: 'streaming/concat-svd-bounds',
};
/**
 * Experiments that stream live results (onPartial): when one of them is a page's autorun, its
 * curves must have been drawn while it ran, before the result came.
 */
const LIVE = new Set(['nn/mlp-regression', 'optim/subgm-outliers', 'inr/grkan-vs-mlp']);
/**
 * The slider moved on the autorun experiment's card (one step up, by the keyboard): a declared
 * parameter (Experiment.params) where the experiment has one, else the seed slider every card
 * has. The card re-runs with the new value and draws the previous run faded under it; at the new
 * value a verdict may change, so the test checks that the run used the value, not that it passed.
 */
export const CONTROL = {
  'graph-init/logah-tiny': 'steps',
  'peft/cross-init-toy': 'steps',
  'ssm/deltaproduct-s3-tracker': 'maxLength',
  'nn/mlp-regression': 'steps',
  'optim/subgm-outliers': 'steps',
  'inr/grkan-vs-mlp': 'steps',
};
/**
 * A second experiment run on a page by its Run button (quick) for plot kinds the autorun one does
 * not draw: its plots go through the plot test at both widths, and it must draw those kinds.
 */
const EXTRA = {
  linalg: [{ id: 'linalg/butterfly-learns-dft', kinds: ['lines', 'heatmap'] }],
  // The spiral points over their decision boundaries; the Les Misérables graph by community.
  'graph-init': [
    { id: 'graph-init/poincare-spirals', kinds: ['lines', 'scatter'], scatterOverHeatmaps: true },
    { id: 'graph-init/virgo-miserables', kinds: ['lines', 'scatter'] },
  ],
};
/** Tool pages (no experiments), each with its own check. */
const TOOL_PAGES = {
  'adapter-workbench': checkWorkbenchPage,
  lm: (browser, base, slug, reports) => checkLmPage(browser, base, slug, reports, { openPage, record, assert, shotsDir }),
};
/** E2E_PAGES=lm,nn: check only these pages (and the home page). */
const ONLY = process.env.E2E_PAGES ? new Set(process.env.E2E_PAGES.split(',')) : null;
/** On this page the test also starts a long experiment and aborts it. */
const ABORT_TEST = { slug: 'graph-init', id: 'graph-init/virgo-sbm' };
/** Pages whose whole run the test waits for (every registered experiment must pass). */
const FULL_RUN = new Set(['gpu']);
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

/** The two widths every page is driven at: a desktop and a phone. */
const WIDE = 1400;
const NARROW = 400;

/** Every plot drawn under `scope` (a CSS selector), as src/lib/plot.ts publishes it on its host. */
async function drawnPlots(page, scope = 'body') {
  return page.evaluate((sel) => {
    const root = document.querySelector(sel);
    return root ? [...root.querySelectorAll('*')].filter((e) => e.__plot).map((e) => e.__plot) : [];
  }, scope);
}

/** The plot test (e2e/plot-checks.mjs) over every plot drawn under `scope`. */
async function checkPlots(page, label, scope = 'body', { min = 1 } = {}) {
  const plots = await drawnPlots(page, scope);
  record(`${label}: ${plots.length} plot(s) drawn with drawable data, no hidden series, ticks on the data`, () => {
    assert(plots.length >= min, `expected at least ${min} drawn plot(s), found ${plots.length}`);
    const bad = plots.flatMap(plotDefects);
    assert(bad.length === 0, bad.join('; '));
  });
  return plots;
}

/**
 * At a phone's width nothing may scroll sideways, and no plot or table may reach past the screen
 * (a wide table inside its own scrolling box is fine: the page itself does not move).
 */
async function checkNarrow(page, label) {
  const { scrollWidth, wide } = await page.evaluate((limit) => {
    const clipped = (e) => {
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= limit + 0.5) return true;
      }
      return false;
    };
    const wide = [...document.querySelectorAll('.uplot, canvas, table, pre')]
      .filter((e) => e.getBoundingClientRect().right > limit + 0.5 && !clipped(e))
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} reaches ${e.getBoundingClientRect().right.toFixed(0)} px`);
    return { scrollWidth: document.documentElement.scrollWidth, wide };
  }, NARROW);
  record(`${label} @${NARROW} px: no horizontal scroll`, () => {
    assert(scrollWidth <= NARROW, `the document is ${scrollWidth} px wide`);
    assert(wide.length === 0, wide.slice(0, 3).join('; '));
  });
}

/**
 * The page as it is, narrowed to a phone's width (as a window resize or a rotated phone does):
 * plots must follow their boxes, nothing may scroll sideways, the plots must still read right.
 */
async function narrowPass(page, label, shot, scope = 'main', min = 0) {
  await page.setViewportSize({ width: NARROW, height: 900 });
  // ResizeObserver callbacks and uPlot's redraw run on the next frames.
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(shotsDir, `${shot}-${NARROW}.png`), fullPage: true });
  await checkNarrow(page, label);
  const plots = await checkPlots(page, `${label}: plot test @${NARROW} px`, scope, { min });
  record(`${label} @${NARROW} px: every plot fits the screen`, () => {
    const wide = plots.filter((p) => p.width > NARROW);
    assert(wide.length === 0, wide.map((p) => `${p.title}: ${p.width} px`).join('; '));
  });
}

/** Opens `path`, waits until body[data-status] leaves 'running', returns window.__results. */
async function openPage(browser, base, path, name, { screenshot = true, width = WIDE } = {}) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
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
  if (screenshot) await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
  console.log(`${path}: status ${status} after ${seconds.toFixed(1)} s`);
  return { page, response, results, status, waitError, consoleErrors, seconds };
}

/** The Adapter workbench: its self-test runs open, spectrum, PiSSA and merge in the worker. */
async function checkWorkbenchPage(browser, base, slug, pageReports) {
  const r = await openPage(browser, base, `pages/${slug}.html?selftest=1`, slug);
  const res = r.results;
  const tensors = await r.page.locator('[data-tensor]').count();
  const downloads = await r.page.locator('a[data-file]').evaluateAll((as) => as.map((a) => a.getAttribute('data-file')));
  const canvases = await r.page.locator('[data-testid="spectrum"] .uplot canvas').count();
  pageReports[slug] = { status: r.status, seconds: r.seconds, results: res };
  record(`${slug}: self-test (open, spectrum, PiSSA, merge back) passes in its worker`, () => {
    assert(!r.waitError, r.waitError);
    assert(r.status === 'done' && res?.ok === true, `status ${r.status}, results ${JSON.stringify(res)}`);
    assert(tensors === res.tensors, `${tensors} tensor rows for ${res.tensors} tensors`);
    assert(canvases > 0, 'no spectrum plot');
    assert(downloads.includes('merged_model.safetensors'), `downloads: ${downloads.join(', ')}`);
  });
  await checkPlots(r.page, `${slug}: spectrum`, '[data-testid="spectrum"]');
  await narrowPass(r.page, slug, slug, '[data-testid="spectrum"]', 1);
  record(`${slug}: no console errors`, () => assert(r.consoleErrors.length === 0, r.consoleErrors.join(' | ')));
  await r.page.close();
}

/** The gpu page: runs everything on open; the WebGL2 and accuracy checks. */
async function checkFullRunPage(browser, base, slug, pageReports) {
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
    assert(ex.length === (res?.listed ?? []).length, `${ex.length} experiments ran of ${(res?.listed ?? []).length} listed`);
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
    record('gpu: the page is cross-origin isolated and the wasm GEMM ran on a worker pool', () => {
      assert(res?.crossOriginIsolated === true, 'crossOriginIsolated is false: the COOP/COEP headers are missing');
      // Chromium has had relaxed SIMD since 114: the fused multiply-add build must be the one running.
      assert(res?.wasmFma === true, 'the wasm kernels are not the relaxed-SIMD (FMA) build');
      const pool = res?.wasmThreads;
      if (res?.hardwareConcurrency > 1) {
        assert(pool?.threads >= 2, `wasm threads: ${JSON.stringify(pool)}`);
        const t = res?.timings ?? [];
        const bad = t.filter((x) => !(x.wasmThreadsMs > 0 && x.wasmThreadsRelErr < 1e-10));
        assert(bad.length === 0, bad.map((x) => `${x.m}x${x.k}x${x.n}: ${x.wasmThreadsMs} ms, err ${x.wasmThreadsRelErr}`).join(', '));
      }
    });
    const notice = await r.page.locator('#software-renderer').count();
    record('gpu: the benchmark ran in a Web Worker, and a software WebGL2 renderer is named as such', () => {
      assert(res?.matmulRunner === 'worker', `the matrix-multiply benchmark ran on ${JSON.stringify(res?.matmulRunner)}`);
      if (/swiftshader|llvmpipe|software/i.test(res?.renderer ?? '')) assert(notice === 1, `renderer ${res.renderer} but no software-renderer notice`);
    });
    await benchAbortAndRerun(r.page);
    record('gpu: timings and both plots present', () => {
      const t = res?.timings ?? [];
      assert(t.every((x) => x.gpuMs > 0 && x.cpuMs > 0), 'a timing is missing');
      assert(plots >= 2, `expected the two timing plots, found ${plots} canvases`);
    });
  }
  await checkPlots(r.page, `${slug}: plot test @${WIDE} px`, 'main', { min: res?.experiments?.length ? 1 : 0 });
  // Its experiments are cards like a package page's: Run, Abort, re-run.
  const first = res?.experiments?.[0]?.id;
  if (first) await abortAndRerun(r.page, slug, first);
  await narrowPass(r.page, slug, slug, 'main', res?.experiments?.length ? 1 : 0);
  record(`${slug}: no console errors`, () => assert(r.consoleErrors.length === 0, r.consoleErrors.join(' | ')));
  await r.page.close();
}

/**
 * The gpu page's benchmark card: Run then Abort stops it (card "aborted", the page not "all ok"),
 * and Run from the keyboard (focus staying on it) runs every product again in its worker.
 */
async function benchAbortAndRerun(page) {
  await page.locator('#matmul-run').click();
  await page.waitForFunction(() => document.querySelector('#matmul')?.dataset.state === 'running', null, { timeout: 10_000 }).catch(() => {});
  await page.locator('#matmul-abort').click();
  await page.waitForFunction(() => document.querySelector('#matmul')?.dataset.state === 'aborted', null, { timeout: 15_000 }).catch(() => {});
  const aborted = await page.evaluate(() => ({ state: document.querySelector('#matmul')?.dataset.state, ok: window.__results?.ok, matmul: window.__results?.matmul }));
  record('gpu: Run then Abort on the matrix-multiply benchmark stops it', () => {
    assert(aborted.state === 'aborted' && aborted.matmul === 'aborted', `card state ${aborted.state}, results.matmul ${aborted.matmul}`);
    assert(aborted.ok !== true, 'the page still says ok after the benchmark was aborted');
  });
  await page.locator('#matmul-run').focus();
  await page.keyboard.press('Enter');
  const focused = await page.evaluate(() => document.activeElement === document.querySelector('#matmul-run'));
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#matmul')?.dataset.state) && document.body.dataset.status !== 'running', null, { timeout: PAGE_TIMEOUT_MS }).catch(() => {});
  const again = await page.evaluate(() => ({ state: document.querySelector('#matmul')?.dataset.state, res: window.__results, status: document.body.dataset.status }));
  record('gpu: the benchmark re-run (from the keyboard) multiplies every product again and matches the CPU; focus stays on Run', () => {
    assert(again.state === 'done', `card state ${again.state}`);
    assert(again.res?.matched === true && (again.res?.timings ?? []).length >= 8, `matched ${again.res?.matched}, ${again.res?.timings?.length} products`);
    assert(again.status === 'done' && again.res?.ok === true, `status ${again.status}, ok ${again.res?.ok}`);
    assert(focused, 'the keyboard focus left Run');
  });
}

/**
 * A package page (src/lib/experiments-page.ts): it lists every registered experiment; with
 * `?autorun=<id>` it runs that one in quick mode in its Web Worker, which must pass and plot.
 */
async function checkPackagePage(browser, base, slug, pageReports) {
  const want = AUTORUN[slug] ?? 'first';
  const r = await openPage(browser, base, `pages/${slug}.html?autorun=${encodeURIComponent(want)}`, slug);
  const res = r.results;
  const listed = res?.listed ?? [];
  const cards = await r.page.locator('[data-experiment]').evaluateAll((els) => els.map((e) => e.getAttribute('data-experiment')));
  const id = want === 'first' ? listed[0]?.id : want;
  const ran = (res?.experiments ?? []).find((e) => e.id === id);
  const canvases = id ? await r.page.locator(`[data-experiment="${id}"] .uplot canvas`).count() : 0;
  const checkItems = id ? await r.page.locator(`[data-experiment="${id}"] .checks li`).count() : 0;
  pageReports[slug] = { status: r.status, seconds: r.seconds, results: res, autorun: id, experimentMs: ran?.ms, listed: listed.length };
  record(`${slug}: experiments run on the wasm kernels${res?.hardwareConcurrency > 1 ? ' on a worker pool' : ''}`, () => {
    const cpu = res?.cpu;
    assert(cpu?.backend === 'wasm', `cpu kernels: ${JSON.stringify(cpu)}`);
    if (res?.hardwareConcurrency > 1) assert(cpu.threads >= 2, `wasm threads: ${JSON.stringify(cpu)}`);
  });
  record(`${slug}: loads and lists its experiments`, () => {
    assert(r.response?.ok(), `HTTP ${r.response?.status()}`);
    assert(res, 'window.__results is missing');
    assert(!res.error, `page error: ${res.error}`);
    assert(listed.length > 0, 'window.__results.listed is empty: no experiment registered for this package');
    assert(cards.length === listed.length, `${cards.length} experiment cards for ${listed.length} listed experiments`);
    for (const e of listed) assert(cards.includes(e.id), `no card for ${e.id}`);
  });
  const estimateLines = await r.page.locator('[data-experiment] .estimate').evaluateAll((els) => els.map((e) => ({ id: e.closest('[data-experiment]').getAttribute('data-experiment'), text: e.textContent ?? '', ms: e.getAttribute('data-estimate') })));
  record(`${slug}: every card shows its full-size time estimate before a run`, () => {
    const est = res?.estimates ?? {};
    for (const e of listed) {
      const line = estimateLines.find((x) => x.id === e.id);
      assert(line && /^Full size: /.test(line.text), `${e.id}: no estimate line (${JSON.stringify(line)})`);
      assert(e.id in est, `${e.id}: not in window.__results.estimates`);
      assert(est[e.id] === null || (est[e.id].ms > 0 && line.ms === String(est[e.id].ms) && /(about \d|under 1 s)/.test(line.text) && !/about under/.test(line.text)), `${e.id}: estimate ${JSON.stringify(est[e.id])} but the card says "${line.text}"`);
    }
    const missing = listed.filter((e) => est[e.id] === null).map((e) => e.id);
    assert(missing.length === 0, `no recorded full-size duration for ${missing.join(', ')} (add it to FULL_SIZE_MS in src/lib/estimates.ts)`);
  });
  record(`${slug}: runs ${id ?? '(none)'} (quick) in a Web Worker: ok, with plots`, () => {
    assert(!r.waitError, `did not finish within ${PAGE_TIMEOUT_MS / 1000} s: ${r.waitError}`);
    assert(r.status === 'done', `data-status is ${r.status}`);
    assert(res.done === true && res.ok === true, `window.__results done ${res.done}, ok ${res.ok}`);
    assert(res.runner === 'worker', `experiments ran on ${JSON.stringify(res.runner)}, not in a worker`);
    assert(ran, `${id} is not in window.__results.experiments (${(res.experiments ?? []).map((e) => e.id).join(', ')})`);
    assert(ran.ok === true, `${id} failed: ${ran.summary}`);
    assert(ran.quick === true, `${id} did not run in quick mode`);
    assert(ran.plots >= 1 && canvases >= ran.plots, `${id} returned ${ran.plots} plots, ${canvases} uPlot canvases drawn in its card`);
    assert(res.experiments.length === 1, `expected only ${id} to run, got ${res.experiments.length}`);
  });
  record(`${slug}: ${id ?? '(none)'} shows its checks, and its plots hold only drawable data`, () => {
    assert(ran, `${id} did not run`);
    assert(Array.isArray(ran.checks) && ran.checks.length > 0, `${id} reported no checks`);
    assert(checkItems === ran.checks.length, `${checkItems} check lines in the card for ${ran.checks.length} checks`);
    assert(ran.ok === ran.checks.every((c) => !c.asserted || c.holds), `${id}: ok ${ran.ok} is not the conjunction of its asserted checks`);
    assert((ran.plotProblems ?? []).length === 0, `plot data problems: ${(ran.plotProblems ?? []).join('; ')}`);
  });
  if (id && LIVE.has(id)) {
    record(`${slug}: ${id} drew its curves live while it ran`, () => {
      assert(ran?.partialReports >= 1, `${ran?.partialReports} live snapshots reached the page`);
    });
  }
  if (id) {
    await checkPlots(r.page, `${slug}: ${id} plot test @${WIDE} px`, `[data-experiment="${id}"]`, { min: ran?.plots ?? 1 });
    await abortAndRerun(r.page, slug, id);
    await moveControl(r.page, slug, id, CONTROL[id] ?? 'seed');
  }
  if (slug === ABORT_TEST.slug) {
    // A long experiment, started with its Run button and stopped with its Abort button.
    const card = r.page.locator(`[data-experiment="${ABORT_TEST.id}"]`);
    let state = null;
    let statusAfter = null;
    let progressText = null;
    if ((await card.count()) === 1) {
      await card.locator('button[data-action="run"]').click();
      await r.page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-state') === 'running', `[data-experiment="${ABORT_TEST.id}"]`, { timeout: 10_000 }).catch(() => {});
      await r.page.waitForTimeout(1500);
      progressText = await card.locator('.progress-message').textContent();
      await card.locator('button[data-action="abort"]').click();
      await r.page
        .waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-state') === 'aborted', `[data-experiment="${ABORT_TEST.id}"]`, { timeout: 10_000 })
        .catch(() => {});
      state = await card.getAttribute('data-state');
      statusAfter = await r.page.evaluate(() => document.body.dataset.status);
    }
    console.log(`  (progress when aborted: ${JSON.stringify(progressText)})`);
    record(`${slug}: Abort stops a running experiment (${ABORT_TEST.id})`, () => {
      assert(state === 'aborted', `card state is ${JSON.stringify(state)} after Abort`);
      assert(statusAfter === 'done', `data-status is ${statusAfter} after the abort`);
    });
  }
  const extras = EXTRA[slug] ?? [];
  for (const extra of extras) {
    const sel = `[data-experiment="${extra.id}"]`;
    await r.page.locator(`${sel} button[data-action="run"]`).click();
    await r.page.waitForFunction((s) => ['ok', 'fail'].includes(document.querySelector(s)?.dataset.state), sel, { timeout: PAGE_TIMEOUT_MS }).catch(() => {});
    const state = await r.page.locator(sel).getAttribute('data-state');
    const plots = await checkPlots(r.page, `${slug}: ${extra.id} plot test @${WIDE} px`, sel);
    record(`${slug}: ${extra.id} (quick, by its Run button) passes and draws ${extra.kinds.join(' and ')} plots`, () => {
      assert(state === 'ok', `card state ${state}`);
      const kinds = new Set(plots.map((p) => p.kind));
      for (const k of extra.kinds) assert(kinds.has(k), `no ${k} plot drawn (drawn: ${[...kinds].join(', ')})`);
      const scatters = plots.filter((p) => p.kind === 'scatter');
      for (const p of scatters) assert(p.legend?.length >= 2 && p.legend.every((c) => c.count > 0), `${p.title}: legend ${JSON.stringify(p.legend)}`);
      if (extra.scatterOverHeatmaps) assert(scatters.some((p) => p.heatmaps?.length > 0 && p.panels === p.heatmaps.length), 'no scatter drawn over its decision-boundary heatmaps');
    });
  }
  // The same page on a phone: one column, plots as wide as the screen, no sideways scroll.
  if (id) await narrowPass(r.page, slug, slug, `[data-experiment="${id}"]`, ran?.plots ?? 1);
  for (const extra of extras) {
    const narrow = await checkPlots(r.page, `${slug}: ${extra.id} plot test @${NARROW} px`, `[data-experiment="${extra.id}"]`);
    record(`${slug}: ${extra.id} @${NARROW} px: every plot fits the screen`, () => {
      const wide = narrow.filter((p) => p.width > NARROW);
      assert(wide.length === 0, wide.map((p) => `${p.title}: ${p.width} px`).join('; '));
    });
  }
  record(`${slug}: no console errors`, () => assert(r.consoleErrors.length === 0, r.consoleErrors.join(' | ')));
  await r.page.close();
}

/**
 * Run, Abort, Run again on one card: the abort leaves the card "aborted" with no plots or summary
 * and a status line that does not claim success; the re-run (started from the keyboard, so the
 * focus must stay on the Run button) passes and draws its plots again.
 */
async function abortAndRerun(page, slug, id) {
  const sel = `[data-experiment="${id}"]`;
  // Run and Abort in one task, as a quick double click would: nothing may slip through.
  await page.evaluate((s) => {
    const card = document.querySelector(s);
    card.querySelector('button[data-action="run"]').click();
    card.querySelector('button[data-action="abort"]').click();
  }, sel);
  await page.waitForFunction((s) => document.querySelector(s)?.dataset.state === 'aborted', sel, { timeout: 10_000 }).catch(() => {});
  await page.waitForFunction(() => document.body.dataset.status !== 'running', null, { timeout: 10_000 }).catch(() => {});
  const after = await page.evaluate((s) => {
    const card = document.querySelector(s);
    return {
      state: card.dataset.state,
      canvases: card.querySelectorAll('.uplot canvas').length,
      summary: card.querySelector('.summary')?.textContent ?? '',
      status: document.body.dataset.status,
      statusText: document.querySelector('.status')?.textContent ?? '',
      listedAsRun: (window.__results?.experiments ?? []).some((e) => e.id === s.slice(s.indexOf('"') + 1, s.lastIndexOf('"'))),
    };
  }, sel);
  record(`${slug}: Run then Abort on ${id}: aborted, no stale result`, () => {
    assert(after.state === 'aborted', `card state ${after.state}`);
    assert(after.canvases === 0 && after.summary === '', `the card still shows ${after.canvases} plot canvases and summary "${after.summary}"`);
    assert(!after.listedAsRun, 'window.__results still lists the aborted run as finished');
    assert(after.status === 'done' && !/all ok/.test(after.statusText), `status ${after.status}: "${after.statusText}"`);
  });
  // Re-run from the keyboard.
  await page.locator(`${sel} button[data-action="run"]`).focus();
  await page.keyboard.press('Enter');
  const focused = await page.evaluate((s) => document.activeElement === document.querySelector(`${s} button[data-action="run"]`), sel);
  await page.waitForFunction((s) => ['ok', 'fail'].includes(document.querySelector(s)?.dataset.state), sel, { timeout: PAGE_TIMEOUT_MS }).catch(() => {});
  const again = await page.evaluate((s) => {
    const card = document.querySelector(s);
    const id = s.slice(s.indexOf('"') + 1, s.lastIndexOf('"'));
    return { state: card.dataset.state, canvases: card.querySelectorAll('.uplot canvas').length, run: (window.__results?.experiments ?? []).find((e) => e.id === id) ?? null };
  }, sel);
  record(`${slug}: re-run of ${id} after the abort passes and plots; focus stays on Run`, () => {
    assert(again.state === 'ok' && again.run?.ok === true, `card state ${again.state}, result ${JSON.stringify(again.run?.summary)}`);
    assert(again.canvases >= again.run.plots, `${again.canvases} canvases for ${again.run.plots} plots`);
    assert(focused, 'the keyboard focus left the Run button');
  });
}

/**
 * Moves one slider of a card a step up from the keyboard (a declared parameter's, or the seed's):
 * the card must re-run (once the slider rests) with that value, the focus staying on the slider;
 * the re-run draws the previous run faded under its curves (the compare box), the plot test
 * passes with that overlay, and unticking the box removes it.
 */
async function moveControl(page, slug, id, name) {
  const sel = `[data-experiment="${id}"]`;
  const slider = page.locator(`${sel} input[type="range"][data-param="${name}"]`);
  const found = (await slider.count()) === 1;
  let value = null;
  if (found) {
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    value = Number(await slider.getAttribute('data-value'));
  }
  const focused = found && (await page.evaluate((s) => document.activeElement === document.querySelector(s), `${sel} input[type="range"][data-param="${name}"]`));
  const usedValue = ([s, n, v]) => {
    const idOf = s.slice(s.indexOf('"') + 1, s.lastIndexOf('"'));
    const run = (window.__results?.experiments ?? []).find((e) => e.id === idOf);
    return (n === 'seed' ? run?.seed : run?.params?.[n]) === v && ['ok', 'fail'].includes(document.querySelector(s)?.dataset.state);
  };
  await page.waitForFunction(usedValue, [sel, name, value], { timeout: PAGE_TIMEOUT_MS }).catch(() => {});
  const run = await page.evaluate((s) => {
    const idOf = s.slice(s.indexOf('"') + 1, s.lastIndexOf('"'));
    return (window.__results?.experiments ?? []).find((e) => e.id === idOf) ?? null;
  }, sel);
  record(`${slug}: moving the ${name} slider of ${id} a step (to ${value}) re-runs it with that value; focus stays on the slider`, () => {
    assert(found, `no slider [data-param="${name}"] on the card`);
    assert(Number.isFinite(value), `the slider shows no value (data-value ${value})`);
    const used = name === 'seed' ? run?.seed : run?.params?.[name];
    assert(used === value, `the latest run used seed ${run?.seed}, params ${JSON.stringify(run?.params)}`);
    assert(run.plots >= 1, `the re-run returned ${run.plots} plots`);
    assert(focused, 'the focus left the slider');
  });
  // The previous run, faded under this one: drawn, named in the legend, and passing the plot test.
  const plots = await checkPlots(page, `${slug}: ${id} plot test with the previous run overlaid`, sel);
  const lines = plots.filter((p) => p.kind === 'lines');
  const legend = await page.locator(`${sel} .u-legend`).allTextContents();
  record(`${slug}: ${id} re-run shows the previous run faded for comparison`, () => {
    assert(run?.overlaid > 0 || lines.length === 0, `window.__results says ${run?.overlaid} previous series drawn`);
    if (lines.length === 0) return;
    assert(lines.some((p) => (p.previous ?? []).length > 0), 'no line plot carries the previous run');
    assert(legend.some((t) => /\(previous\)/.test(t)), 'the legend does not name the previous run');
  });
  // The compare box hides the overlay and brings it back.
  const box = page.locator(`${sel} input[data-compare]`);
  await box.click();
  const off = await drawnPlots(page, sel);
  await box.click();
  const on = await drawnPlots(page, sel);
  record(`${slug}: ${id}: the compare box turns the overlay off and on`, () => {
    assert(off.every((p) => !(p.previous ?? []).length), 'the overlay stayed with the box unticked');
    if (lines.length > 0) assert(on.some((p) => (p.previous ?? []).length > 0), 'the overlay did not come back');
  });
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
    record('the plot test finds each kind of defect in plots made to have one', () => {
      const wrong = plotTestSelfCheck();
      assert(wrong.length === 0, wrong.join('; '));
    });
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
        for (const s of slugs.filter((x) => !TOOL_PAGES[x])) assert(links.includes(`pages/${s}.html`), `no link to pages/${s}.html (links: ${links.join(', ')})`);
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
      const n = await openPage(browser, base, 'index.html', `home-${NARROW}`, { width: NARROW });
      await checkNarrow(n.page, 'home');
      await n.page.close();
    }
    // Every package page: the shared contract (data-status, window.__results).
    for (const slug of slugs) {
      if (ONLY && !ONLY.has(slug)) continue;
      if (TOOL_PAGES[slug]) await TOOL_PAGES[slug](browser, base, slug, pageReports);
      else if (FULL_RUN.has(slug)) await checkFullRunPage(browser, base, slug, pageReports);
      else await checkPackagePage(browser, base, slug, pageReports);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return pageReports;
}

// Imported by e2e/screenshots.mjs for AUTORUN: run the suite only when started as the script.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const startedAt = Date.now();
  let pages = {};
  try {
    pages = await main();
  } catch (e) {
    tests.push({ name: 'e2e harness', ok: false, error: e.message });
    console.error(`e2e harness failed: ${e.stack || e.message}`);
  }
  const summary = writeResults({
    seconds: (Date.now() - startedAt) / 1000,
    pages: Object.fromEntries(
      Object.entries(pages).map(([k, v]) => [
        k,
        { status: v.status, seconds: v.seconds, mode: v.results?.mode, maxRelErr: v.results?.maxRelErr, autorun: v.autorun, experimentMs: v.experimentMs, listed: v.listed },
      ]),
    ),
  });
  console.log(`e2e: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed in ${summary.seconds.toFixed(0)} s; screenshots in ${shotsDir}`);
  process.exit(summary.success ? 0 : 1);
}
