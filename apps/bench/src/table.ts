import type { BenchmarkReport, BenchRow } from './types';

function num(v: number | undefined, digits: number): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  return v >= 1000 ? v.toFixed(0) : v.toFixed(digits);
}

function cells(r: BenchRow): string[] {
  const note = r.status === 'ok' ? (r.note ?? '') : `${r.status}: ${r.note ?? ''}`;
  return [
    String(r.n),
    r.impl,
    num(r.ms, 2),
    num(r.gflops, 2),
    r.vsBaseline === undefined ? '-' : `${r.vsBaseline.toFixed(2)}x`,
    r.relErr === undefined ? '-' : r.relErr === 0 ? '0' : r.relErr.toExponential(1),
    r.reps === undefined ? '-' : String(r.reps),
    note,
  ];
}

function header(report: BenchmarkReport): string[] {
  return ['n', 'implementation', 'ms', 'GFLOP/s', `vs ${report.baseline}`, 'rel. err', 'reps', 'note'];
}

/** A plain-text table, one block per size. Long notes are cut to `noteWidth`. */
export function textTable(report: BenchmarkReport, noteWidth = 70): string {
  const head = header(report);
  const body = report.rows.map((r) => {
    const c = cells(r);
    const note = c[7]!;
    c[7] = note.length > noteWidth ? `${note.slice(0, noteWidth - 1)}…` : note;
    return c;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = new Set([0, 2, 3, 4, 5, 6]);
  const fmt = (c: string[]) =>
    c
      .map((s, i) => (i === c.length - 1 ? s : right.has(i) ? s.padStart(widths[i]!) : s.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [`${report.title}`, fmt(head), fmt(widths.map((w) => '-'.repeat(w)))];
  let lastN: number | undefined;
  for (const [i, b] of body.entries()) {
    const n = report.rows[i]!.n;
    if (lastN !== undefined && n !== lastN) lines.push('');
    lastN = n;
    lines.push(fmt(b));
  }
  return lines.join('\n');
}

/** A GitHub-flavoured markdown table (for READMEs). */
export function markdownTable(report: BenchmarkReport, noteWidth = 60): string {
  const head = header(report);
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => ([0, 2, 3, 4, 5, 6].includes(i) ? '---:' : '---')).join('|')}|`];
  for (const r of report.rows) {
    const c = cells(r);
    if (c[7]!.length > noteWidth) c[7] = `${c[7]!.slice(0, noteWidth - 1)}…`;
    lines.push(`| ${c.map(esc).join(' | ')} |`);
  }
  return lines.join('\n');
}
