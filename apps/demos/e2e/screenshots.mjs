// Screenshots of demo pages as a visitor sees them, at a desktop and a phone width.
// Serves dist/ with `vite preview`, opens each page with ?autorun=<ids> (quick mode), waits for
// body[data-status] to leave 'running' and saves a full-page PNG per page and width to
// screenshots/<slug>-<width>.png (and each run card as <slug>-<width>-<name>.png). After `vite build`:
//   node e2e/screenshots.mjs [slug=id1,id2 ...]     (default: one experiment per package page)
//   node e2e/screenshots.mjs --readme               (the README's small pictures, see below)
// Reports pages that scroll sideways (document wider than the viewport).
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { AUTORUN, CONTROL } from './run.mjs';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shotsDir = join(appDir, 'screenshots');
const WIDTHS = [1400, 400];
const DEFAULT = {
  linalg: 'linalg/svd-vs-gram-eigh',
  streaming: 'streaming/concat-svd-bounds,streaming/random-order-vs-oja',
  ssm: 'ssm/deltaproduct-s3-tracker',
  optim: 'optim/subgm-outliers',
  inr: 'inr/grkan-random-init',
  peft: 'peft/fedsvd-noise',
  'graph-init': 'graph-init/logah-tiny',
};
// --readme: the small pictures the README shows and the home page uses as thumbnails
// (public/screenshots/<slug>-<width>.png): each page's quick run card at 1400 px, re-run once
// with one slider moved a step (so the card shows its controls and the previous run faded under
// the new one), and the top of the page at 400 px, both at half resolution. The graph-init card
// is the spiral decision boundary (class-coloured points over heatmaps).
const readme = process.argv.includes('--readme');
const argv = process.argv.slice(2).filter((a) => a !== '--readme');
// The gpu page (no autorun) and every package page's quick e2e experiment.
const README_RUNS = { gpu: '', ...AUTORUN, 'graph-init': 'graph-init/poincare-spirals' };
const wanted = argv.length > 0 ? Object.fromEntries(argv.map((a) => a.split('='))) : readme ? README_RUNS : DEFAULT;
const readmeDir = join(appDir, 'public', 'screenshots');
if (readme) mkdirSync(readmeDir, { recursive: true });

const port = await new Promise((res) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
mkdirSync(shotsDir, { recursive: true });
const server = await preview({ root: appDir, configFile: join(appDir, 'vite.config.ts'), logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
try {
  for (const [slug, ids] of Object.entries(wanted)) {
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 900 }, ...(readme ? { deviceScaleFactor: 0.5 } : {}) });
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // No ids: the page's own default (the gpu page runs everything).
      await page.goto(`http://127.0.0.1:${port}/pages/${slug}.html${ids ? `?autorun=${encodeURIComponent(ids)}` : ''}`);
      await page.waitForFunction(() => document.body.dataset.status && document.body.dataset.status !== 'running', null, { timeout: 300_000, polling: 250 });
      await page.waitForTimeout(300);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      const status = await page.evaluate(() => document.body.dataset.status);
      if (readme) {
        // At 1400 px the run card; at 400 px the first screen of the page.
        const first = ids.split(',')[0];
        if (width > 600 && first) {
          // Move one slider a step: the card re-runs and overlays the previous run.
          const sel = `[data-experiment="${first}"]`;
          const slider = page.locator(`${sel} input[type="range"][data-param="${CONTROL[first] ?? 'seed'}"]`);
          await slider.focus();
          await page.keyboard.press('ArrowRight');
          await page.waitForFunction((s) => (window.__results?.experiments ?? []).some((e) => e.id === s && e.overlaid >= 0 && (e.seed !== undefined || Object.keys(e.params ?? {}).length > 0)), first, { timeout: 300_000, polling: 250 });
          await page.waitForFunction(() => document.body.dataset.status !== 'running', null, { timeout: 300_000, polling: 250 });
          await page.waitForTimeout(300);
          await page.locator(sel).screenshot({ path: join(readmeDir, `${slug}-${width}.png`) });
        }
        else await page.screenshot({ path: join(readmeDir, `${slug}-${width}.png`) });
        console.log(`${slug} @${width}: status ${status}, scrollWidth ${scrollWidth}`);
        await page.close();
        continue;
      }
      await page.screenshot({ path: join(shotsDir, `${slug}-${width}.png`), fullPage: true });
      // Each run card on its own, for a closer look.
      for (const id of ids.split(',').filter(Boolean)) {
        const card = page.locator(`[data-experiment="${id}"]`);
        await card.screenshot({ path: join(shotsDir, `${slug}-${width}-${id.split('/')[1]}.png`) });
      }
      console.log(`${slug} @${width}: status ${status}, scrollWidth ${scrollWidth}${scrollWidth > width ? ' (SCROLLS SIDEWAYS)' : ''}${errors.length ? `, errors: ${errors.join('; ')}` : ''}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
