import { experimentsFor } from '../registry';
import { checksList } from './checks-view';
import { el } from './dom';
import type { ExperimentResult } from './experiment';
import { linePlot } from './plot';
import '../styles.css';

/** What a finished experiment reports to `window.__results.experiments`. */
export interface ExperimentSummary {
  id: string;
  ok: boolean;
  summary: string;
  ms: number;
  metrics?: Record<string, number>;
}

/**
 * The machine-readable contract every demo page follows (the e2e test reads it):
 * `document.body.dataset.status` goes 'running' -> 'done' | 'error', and `window.__results`
 * holds at least these fields, plus whatever the page adds.
 */
export interface PageResults {
  page: string;
  done: boolean;
  ok: boolean;
  error?: string;
  experiments: ExperimentSummary[];
  [key: string]: unknown;
}

declare global {
  interface Window {
    __results?: PageResults;
  }
}

export type PageStatus = 'running' | 'done' | 'error';

export interface Shell {
  main: HTMLElement;
  statusLine: HTMLElement;
  /** Sets the page status and the visible status line. */
  setStatus(status: PageStatus, message: string): void;
  /** Publishes results for tests (merged into window.__results). */
  publish(partial: Partial<PageResults>): void;
}

/** Builds the common page frame: a header with the package name and a link home. */
export function mountShell(opts: { page: string; pkg: string; title: string; intro: string }): Shell {
  document.title = `${opts.pkg} · @x demos`;
  const statusLine = el('p', { class: 'status', role: 'status' });
  const main = el('main', {});
  const header = el(
    'header',
    {},
    el('nav', {}, el('a', { href: '../index.html' }, '← @x demos')),
    el('h1', {}, el('code', {}, opts.pkg), ` — ${opts.title}`),
    el('p', { class: 'intro' }, opts.intro),
    statusLine,
  );
  document.body.append(header, main);
  const results: PageResults = { page: opts.page, done: false, ok: false, experiments: [] };
  window.__results = results;
  const shell: Shell = {
    main,
    statusLine,
    setStatus(status, message) {
      document.body.dataset.status = status;
      statusLine.dataset.status = status;
      statusLine.textContent = message;
    },
    publish(partial) {
      Object.assign(results, partial);
    },
  };
  shell.setStatus('running', 'Running…');
  return shell;
}

/**
 * Runs the registered experiments of `pkg` one after another into `host` on the main thread, each
 * as a card with its summary, a pass/fail badge and its plots. Resolves with their summaries.
 * The demo pages use `mountExperimentCards` (src/lib/experiments-page.ts) instead: worker, Run,
 * Abort, live plots and controls.
 */
export async function runExperiments(host: HTMLElement, pkg: string, quick = false): Promise<ExperimentSummary[]> {
  const out: ExperimentSummary[] = [];
  for (const e of experimentsFor(pkg)) {
    const badge = el('span', { class: 'badge running' }, 'running');
    const progress = el('p', { class: 'muted' }, 'starting…');
    const plots = el('div', { class: 'plots' });
    const card = el(
      'article',
      { class: 'card experiment', 'data-experiment': e.id },
      el('h3', {}, e.title, ' ', badge),
      e.claim ? el('p', {}, e.claim) : null,
      progress,
      plots,
    );
    host.append(card);
    const t0 = performance.now();
    let r: ExperimentResult;
    try {
      r = await e.run({
        quick,
        onProgress: (p) => {
          progress.textContent = `${Math.round(100 * p.fraction)}%${p.message ? ` · ${p.message}` : ''}`;
        },
      });
    } catch (err) {
      r = { ok: false, checks: [], summary: `threw ${(err as Error).name}: ${(err as Error).message}` };
    }
    const ms = performance.now() - t0;
    badge.className = `badge ${r.ok ? 'ok' : 'fail'}`;
    badge.textContent = r.ok ? 'ok' : 'failed';
    progress.className = 'summary';
    progress.textContent = `${r.summary} (${(ms / 1000).toFixed(1)} s)`;
    progress.after(checksList(r));
    for (const p of r.plots ?? []) {
      const box = el('div', { class: 'plot' });
      plots.append(box);
      linePlot(box, p);
    }
    out.push({ id: e.id, ok: r.ok, summary: r.summary, ms, metrics: r.metrics });
  }
  return out;
}
