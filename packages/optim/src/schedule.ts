import { DomainError } from '@x/gpu';
import { checkOptions } from '@x/gpu/checks';
import { checkInt, checkNonNegative, checkUnit } from './validate';

/**
 * A learning-rate multiplier as plain data (so it serializes with the optimizer). The learning
 * rate at step t (1-based) is `lr * scheduleFactor(schedule, t)`.
 * - `constant`: 1.
 * - `warmupCosine`: linear warmup t/warmup for t <= warmup, then the SGDR cosine
 *   (Loshchilov & Hutter, ICLR 2017, eq. 5) from 1 down to `minFactor` at t = total, flat after.
 * - `geometric`: rho^(t-1), the geometric step decay of SubGM (Ma & Fattahi 2022, sec. 3).
 */
export type LrSchedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'warmupCosine'; readonly warmup: number; readonly total: number; readonly minFactor?: number }
  | { readonly kind: 'geometric'; readonly rho: number };

/** Builds a warmup + cosine schedule (validated). */
export function warmupCosine(opts: { warmup: number; total: number; minFactor?: number }): LrSchedule {
  if (opts === undefined) throw new DomainError('warmupCosine: options { warmup, total } are required');
  checkOptions('warmupCosine', opts, ['warmup', 'total', 'minFactor']);
  const s: LrSchedule = { kind: 'warmupCosine', warmup: opts.warmup, total: opts.total, minFactor: opts.minFactor ?? 0 };
  checkSchedule('warmupCosine', s);
  return s;
}

/** Throws a DomainError unless `s` is a well-formed {@link LrSchedule}. */
export function checkSchedule(fn: string, s: unknown): LrSchedule {
  const o = s as LrSchedule | null;
  if (!o || typeof o !== 'object') throw new DomainError(`${fn}: schedule must be an LrSchedule object, got ${String(s)}`);
  if (o.kind === 'constant') return o;
  if (o.kind === 'warmupCosine') {
    checkInt(fn, 'schedule.warmup', o.warmup, 0);
    checkInt(fn, 'schedule.total', o.total, 1);
    if (o.total <= o.warmup) throw new DomainError(`${fn}: schedule.total (${o.total}) must exceed schedule.warmup (${o.warmup})`);
    checkUnit(fn, 'schedule.minFactor', o.minFactor ?? 0, 0, 1.0000001);
    return o;
  }
  if (o.kind === 'geometric') {
    checkNonNegative(fn, 'schedule.rho', o.rho, true);
    if (o.rho > 1) throw new DomainError(`${fn}: schedule.rho must be in (0, 1], got ${o.rho}`);
    return o;
  }
  throw new DomainError(`${fn}: unknown schedule kind ${JSON.stringify((o as { kind?: unknown }).kind)}`);
}

/** The multiplier of the learning rate at step `t` (1-based). */
export function scheduleFactor(s: LrSchedule, t: number): number {
  checkSchedule('scheduleFactor', s);
  checkInt('scheduleFactor', 't', t, 0);
  return factorOf(s, t);
}

/** {@link scheduleFactor} of a checked schedule and step (optimizers check theirs once, at construction). */
export function factorOf(s: LrSchedule, t: number): number {
  switch (s.kind) {
    case 'constant':
      return 1;
    case 'warmupCosine': {
      if (s.warmup > 0 && t <= s.warmup) return t / s.warmup;
      const p = Math.min(1, (t - s.warmup) / (s.total - s.warmup));
      const lo = s.minFactor ?? 0;
      return lo + (1 - lo) * 0.5 * (1 + Math.cos(Math.PI * p));
    }
    case 'geometric':
      return s.rho ** (t - 1);
  }
}
