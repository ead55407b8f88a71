// e2e check of the language-model page (pages/lm.html, src/pages/lm.ts), called by run.mjs.
// In the quick setting: Run, see the live pre-training curve grow, Abort (a checkpoint is kept),
// Resume (training continues from the checkpoint's step, the curve grows on), Abort again, then a
// fresh Run whose first losses equal the first run's (seeded). Nothing waits for the whole run
// (held-out losses and samples come after pre-training: apps/lm's tests check those numbers).

const STEP_TIMEOUT_MS = 30_000;

/** Waits until `fn(window.__results)` is truthy in the page; returns the results then. */
async function until(page, fn, what, timeout = STEP_TIMEOUT_MS, arg = null) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  } catch {
    throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await page.evaluate(() => ({ ...window.__results, runs: undefined })))}`);
  }
  return page.evaluate(() => window.__results);
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {string} base
 * @param {string} slug
 * @param {Record<string, unknown>} pageReports
 * @param {{ openPage: Function, record: Function, assert: Function, shotsDir: string }} h  run.mjs's helpers
 */
export async function checkLmPage(browser, base, slug, pageReports, { openPage, record, assert, shotsDir }) {
  const t0 = Date.now();
  const home = await browser.newPage();
  await home.goto(`${base}index.html`, { waitUntil: 'load' });
  const homeLinks = await home.locator(`a[href="pages/${slug}.html"]`).count();
  await home.close();
  record(`${slug}: the home page links it`, () => assert(homeLinks > 0, `no link to pages/${slug}.html on the home page`));

  const r = await openPage(browser, base, `pages/${slug}.html?autorun=0`, slug, { screenshot: false });
  const page = r.page;
  const click = (action) => page.locator(`button[data-action="${action}"]`).click();
  const steps = {};
  let failure = null;
  try {
    record(`${slug}: opens ready, in a worker on the wasm kernels, with both corpora bundled`, () => {
      assert(!r.waitError && r.status === 'done', `status ${r.status} ${r.waitError ?? ''}`);
      const res = r.results;
      assert(res?.state === 'idle' && res.runner === 'worker', `state ${res?.state}, runner ${res?.runner}`);
      assert(res.cpu?.backend === 'wasm', `cpu ${JSON.stringify(res.cpu)}`);
      // The same text the command reads from node_modules (apps/lm/README.md: 52,468 and 218,439 characters).
      const chars = Object.fromEntries((res.corpora ?? []).map((c) => [c.name, c.chars]));
      assert(chars.prose === 52468 && chars.code === 218439, `corpora ${JSON.stringify(chars)}`);
    });

    // 1. Run: the pre-training curve grows while we watch.
    await click('run');
    const a = await until(page, () => window.__results?.points?.pretrain >= 2, 'two pre-training points');
    const b = await until(page, (k) => window.__results?.points?.pretrain >= k, 'the curve to grow', STEP_TIMEOUT_MS, a.points.pretrain + 2);
    steps.firstPoints = [a.points.pretrain, b.points.pretrain];
    const canvases = await page.locator('[data-testid^="curve-"] .uplot canvas').count();
    await click('abort');
    const ab = await until(page, () => window.__results?.state === 'aborted', 'the abort');
    const firstLosses = ab.pretrainLosses;
    steps.abortedAt = ab.checkpointAt;
    record(`${slug}: Run draws live loss curves that grow; Abort stops it and keeps a checkpoint`, () => {
      assert(b.points.pretrain > a.points.pretrain, `pre-training points ${a.points.pretrain} then ${b.points.pretrain}`);
      assert(b.state === 'running' && b.lastProgress?.run === 'pretrain', `state ${b.state}, last ${JSON.stringify(b.lastProgress)}`);
      assert(canvases >= 3, `${canvases} plot canvases (pre-training, methods, optimizers)`);
      assert(/^pretrain step \d+$/.test(ab.checkpointAt ?? ''), `checkpoint at ${ab.checkpointAt}`);
      assert(firstLosses.every((v) => v > 0 && v < 6), `losses ${firstLosses}`);
    });
    const ckStep = Number(ab.checkpointAt.split(' ').at(-1));
    // The checkpoint can be saved as a file (Load checkpoint reads it back).
    const saveHref = await page.locator('a[data-action="save"]').getAttribute('href');
    const saved = saveHref ? await page.evaluate(async (u) => JSON.parse(await (await fetch(u)).text()), saveHref) : null;
    record(`${slug}: the checkpoint downloads as JSON at the aborted step`, () => {
      assert(saved?.ck?.current?.run === 'pretrain' && saved.ck.current.fit.loop.step === ckStep, `saved ${JSON.stringify(saved?.ck?.current?.fit?.loop?.step)}`);
    });

    // 2. Resume: continues at the checkpoint's step, keeping the curve up to there; abort again.
    await click('resume');
    const c = await until(page, () => window.__results?.state === 'running' && window.__results.firstProgress, 'the resumed run');
    const d = await until(page, (k) => window.__results?.points?.pretrain >= k, 'the resumed curve to grow', STEP_TIMEOUT_MS, c.points.pretrain + 2);
    await click('abort');
    const ab2 = await until(page, () => window.__results?.state === 'aborted', 'the second abort');
    steps.resumedFrom = c.resumedFrom;
    steps.resumedFirst = c.firstProgress;
    steps.abortedAgainAt = ab2.checkpointAt;
    record(`${slug}: Resume continues from the checkpoint (not from step 0) and its curve grows on from there`, () => {
      assert(c.resumedFrom === ab.checkpointAt, `resumed from ${c.resumedFrom}, checkpoint ${ab.checkpointAt}`);
      const f = c.firstProgress;
      assert(f.run === 'pretrain' && f.step > ckStep && f.step <= ckStep + c.progressEvery, `first report after resuming: ${JSON.stringify(f)} (checkpoint at step ${ckStep})`);
      // The curve kept its points up to the checkpoint, then grew from there.
      assert(JSON.stringify(d.pretrainLosses.slice(0, firstLosses.length)) === JSON.stringify(firstLosses), 'the resumed curve lost or changed its earlier points');
      assert(d.points.pretrain >= firstLosses.length + 2, `${d.points.pretrain} points after resuming, ${firstLosses.length} before`);
      const at = Number(ab2.checkpointAt?.split(' ').at(-1));
      assert(at > ckStep, `second checkpoint at ${ab2.checkpointAt}, first at ${ab.checkpointAt}`);
    });

    // Loading the saved file redraws the first run's curve from its losses and offers Resume.
    if (saved) {
      await page.locator('input[data-action="load"]').setInputFiles({ name: 'lm-checkpoint.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(saved)) });
    }
    const loaded = await until(page, () => window.__results?.state === 'loaded', 'the saved checkpoint to load', 10_000);
    const resumeEnabled = await page.locator('button[data-action="resume"]').isEnabled();
    record(`${slug}: a saved checkpoint loads back: the curve up to its step is redrawn and Resume is offered`, () => {
      assert(JSON.stringify(loaded.pretrainLosses) === JSON.stringify(firstLosses), `${loaded.pretrainLosses} vs ${firstLosses}`);
      assert(loaded.checkpointAt === ab.checkpointAt && resumeEnabled, `checkpoint ${loaded.checkpointAt}, Resume enabled ${resumeEnabled}`);
    });

    // 3. A fresh Run: seeded, so its first losses equal the first run's.
    await click('run');
    const n = Math.min(firstLosses.length, 4);
    const again = await until(page, (k) => window.__results?.state === 'running' && window.__results.pretrainLosses.length >= k, 'the re-run', STEP_TIMEOUT_MS, n);
    await click('abort');
    const ab3 = await until(page, () => window.__results?.state === 'aborted', 'the third abort');
    record(`${slug}: a fresh Run after Resume starts from step 0 and repeats the first run's losses (seeded)`, () => {
      assert(again.resumedFrom === null && again.firstProgress?.run === 'pretrain' && again.firstProgress.step === again.progressEvery, `first report ${JSON.stringify(again.firstProgress)}`);
      assert(JSON.stringify(again.pretrainLosses.slice(0, n)) === JSON.stringify(firstLosses.slice(0, n)), `${again.pretrainLosses.slice(0, n)} vs ${firstLosses.slice(0, n)}`);
      assert(ab3.finetunes.length === 0 && ab3.heldOut === null && ab3.points['pretrain/kat'] === 0, 'results of the earlier run were not cleared');
    });
    await page.screenshot({ path: `${shotsDir}/${slug}.png`, fullPage: true });
  } catch (err) {
    failure = err;
  }
  record(`${slug}: the Run / Abort / Resume / re-run sequence completed`, () => assert(!failure, failure?.message));
  record(`${slug}: no console errors`, () => assert(r.consoleErrors.length === 0, r.consoleErrors.join(' | ')));
  pageReports[slug] = { status: await page.evaluate(() => document.body.dataset.status), seconds: (Date.now() - t0) / 1000, results: { steps } };
  console.log(`  (lm: ${JSON.stringify(steps)}; ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  await page.close();
}
