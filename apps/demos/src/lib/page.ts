import { el } from './dom';
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
