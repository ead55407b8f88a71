import { assertMatrix, DomainError, isMatrix, type Matrix, randn, rng as makeRng, ShapeError, XError } from '@x/gpu';
import { checkOptions } from '@x/gpu/checks';
import type { Module } from './module';

/**
 * A scalar function of matrices with its analytic gradient for the first `grad.length` inputs,
 * called as `fn(...inputs)` (so `mseLoss` itself qualifies: its trailing options stay unset).
 * The parameter list is typed `never[]` only so that functions with extra optional
 * parameters are accepted.
 */
export type GradFunction = (...inputs: never[]) => { value: number; grad: Matrix | readonly Matrix[] };

type CallableGrad = (...inputs: Matrix[]) => { value: number; grad: Matrix | readonly Matrix[] };

/** Options of {@link gradCheck}: finite-difference step, relative and absolute tolerances, how many entries to probe, seed. */
export interface GradCheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Relative tolerance per entry (default 1e-5). */
  tol?: number;
  /**
   * Absolute tolerance per entry (default 1e-7): an entry passes when
   * |analytic - numeric| <= max(tol * max(|analytic|, |numeric|), atol). Keeps gradients that are
   * (nearly) zero from failing on rounding noise.
   */
  atol?: number;
  /** Check at most this many entries per tensor, drawn with `seed` (default: every entry). */
  maxEntries?: number;
  /** Seed for the random output projection (module form) and for entry sampling. Default 0. */
  seed?: number;
}

/** The comparison for one tensor (a parameter, or an input). */
export interface GradCheckEntry {
  readonly name: string;
  /** Entries in the tensor. */
  readonly size: number;
  /** Entries compared (less than `size` with `maxEntries`). */
  readonly checked: number;
  /** max over entries of |a - n| / max(|a|, |n|, atol / tol): at most `tol` iff every entry passes. */
  readonly maxRelError: number;
  readonly maxAbsError: number;
  /** Flat index of the entry with the largest relative error, and its two values. */
  readonly worstIndex: number;
  readonly analytic: number;
  readonly numeric: number;
  readonly passed: boolean;
}

/** What {@link gradCheck} returns: pass/fail and the worst relative error of analytic vs finite-difference gradients, per parameter and for the input. */
export interface GradCheckReport {
  readonly passed: boolean;
  /** Worst `maxRelError` over all entries below. */
  readonly maxRelError: number;
  /** One entry per parameter (empty for the function form). */
  readonly parameters: readonly GradCheckEntry[];
  /** One entry per differentiated input (`input` for a module; `input[i]` for a function). */
  readonly inputs: readonly GradCheckEntry[];
  readonly eps: number;
  readonly tol: number;
  readonly atol: number;
  /** Number of function/forward evaluations used. */
  readonly evaluations: number;
}

/** Thrown by {@link assertGradCheck}; carries the full report. */
export class GradCheckError extends XError {
  override name = 'GradCheckError' as const;
  readonly report: GradCheckReport;
  constructor(message: string, report: GradCheckReport) {
    super(message);
    this.report = report;
  }
}

function toF64(m: Matrix): Matrix<Float64Array> {
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
}

/**
 * Checks analytic gradients against central finite differences (f(θ+ε) - f(θ-ε)) / 2ε, all
 * in float64.
 *
 * Module form, `gradCheck(module, x)`: the scalar is L = Σ r ⊙ module.forward(x) for a fixed
 * seeded normal r, whose gradient is what `backward(r)` must produce. Checks every parameter
 * (through `parameters()`, perturbing `value` in place and restoring it bit-exactly) and the
 * input gradient. The module's gradients are restored afterwards.
 *
 * Function form, `gradCheck(fn, [a, b, ...])`: `fn(...inputs)` returns `{ value, grad }` with
 * `grad` the gradient of `value` w.r.t. the first input (or an array, one per leading input);
 * remaining inputs are held constant (e.g. a loss's target).
 *
 * Cost: 2 evaluations per checked entry. Does not throw on mismatch; see {@link assertGradCheck}.
 */
export function gradCheck(target: Module | GradFunction, inputs: Matrix | readonly Matrix[], opts: GradCheckOptions = {}): GradCheckReport {
  return runGradCheck('gradCheck', target, inputs, opts);
}

/** {@link gradCheck} with errors naming `fn`, the function the user called. */
function runGradCheck(fn: string, target: Module | GradFunction, inputs: Matrix | readonly Matrix[], opts: GradCheckOptions): GradCheckReport {
  checkOptions(fn, opts, ['eps', 'tol', 'atol', 'maxEntries', 'seed']);
  if (typeof target !== 'function' && (target === null || typeof target !== 'object')) {
    throw new DomainError(`${fn}: target must be a Module or a function returning { value, grad }, got ${target === null ? 'null' : typeof target}`);
  }
  if (!Array.isArray(inputs)) assertMatrix(fn, 'inputs', inputs);
  const eps = opts.eps ?? 1e-6;
  const tol = opts.tol ?? 1e-5;
  const atol = opts.atol ?? 1e-7;
  for (const [k, v] of [
    ['eps', eps],
    ['tol', tol],
    ['atol', atol],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new DomainError(`${fn}: ${k} must be a finite number > 0, got ${v}`);
  }
  const list = isMatrix(inputs) ? [inputs] : Array.from(inputs as readonly Matrix[]);
  for (let i = 0; i < list.length; i++) assertMatrix(fn, `inputs[${i}]`, list[i]);
  const seed = opts.seed ?? 0;
  const picker = makeRng(seed + 0x5eed);
  const maxEntries = opts.maxEntries ?? Infinity;
  const cfg = { eps, tol, atol, maxEntries, picker };
  let evaluations = 0;

  if (typeof target === 'function') {
    const fn = target as CallableGrad;
    const xs = list.map(toF64);
    const evalValue = (): number => {
      evaluations++;
      return fn(...xs).value;
    };
    const res = fn(...xs);
    evaluations++;
    const grads = isMatrix(res.grad) ? [res.grad] : Array.from(res.grad as readonly Matrix[]);
    if (grads.length > xs.length) throw new ShapeError(`${fn}: ${grads.length} gradients for ${xs.length} inputs`);
    const entries = grads.map((g, i) => {
      const x = xs[i]!;
      if (!isMatrix(g) || g.rows !== x.rows || g.cols !== x.cols) {
        const got = isMatrix(g) ? `${g.rows}x${g.cols}` : String(g);
        throw new ShapeError(`${fn}: gradient ${i} is ${got}, input ${i} is ${x.rows}x${x.cols}`);
      }
      return compare(`input[${i}]`, x.data, Float64Array.from(g.data), evalValue, cfg);
    });
    return report([], entries, cfg, evaluations);
  }

  if (!target || typeof target.forward !== 'function' || typeof target.backward !== 'function') {
    throw new DomainError('gradCheck: target must be a module (forward/backward/parameters) or a function returning { value, grad }');
  }
  if (list.length !== 1) throw new DomainError(`${fn}: a module takes one input matrix, got ${list.length}`);
  const m = target;
  const x = toF64(list[0]!);
  const params = m.parameters();
  const saved = params.map((p) => p.grad.slice());
  try {
    m.zeroGrad();
    const y0 = m.forward(x);
    evaluations++;
    const r = randn(y0.rows, y0.cols, seed);
    const dx = m.backward(r);
    if (!isMatrix(dx) || dx.rows !== x.rows || dx.cols !== x.cols) {
      const got = isMatrix(dx) ? `${dx.rows}x${dx.cols}` : String(dx);
      throw new ShapeError(`${fn}: backward returned ${got}, the input is ${x.rows}x${x.cols}`);
    }
    const analytic = params.map((p) => p.grad.slice());
    const dxa = Float64Array.from(dx.data);
    const evalValue = (): number => {
      evaluations++;
      const y = m.forward(x);
      if (y.rows !== r.rows || y.cols !== r.cols) throw new ShapeError('gradCheck: the output shape changed between evaluations');
      let s = 0;
      const yd = y.data;
      const rd = r.data;
      for (let i = 0; i < yd.length; i++) s += rd[i]! * yd[i]!;
      return s;
    };
    const pe = params.map((p, i) => compare(p.name, p.value, analytic[i]!, evalValue, cfg));
    const ie = compare('input', x.data, dxa, evalValue, cfg);
    return report(pe, [ie], cfg, evaluations);
  } finally {
    for (let i = 0; i < params.length; i++) params[i]!.grad.set(saved[i]!);
  }
}

/**
 * {@link gradCheck}, throwing a {@link GradCheckError} (message lists the failing tensors
 * with their worst entries) when any entry fails; returns the report otherwise.
 */
export function assertGradCheck(target: Module | GradFunction, inputs: Matrix | readonly Matrix[], opts: GradCheckOptions = {}): GradCheckReport {
  const rep = runGradCheck('assertGradCheck', target, inputs, opts);
  if (!rep.passed) {
    const bad = [...rep.parameters, ...rep.inputs]
      .filter((e) => !e.passed)
      .map((e) => `${e.name}: rel ${e.maxRelError.toExponential(2)} at [${e.worstIndex}] (analytic ${e.analytic}, numeric ${e.numeric})`);
    throw new GradCheckError(`gradCheck failed (tol ${rep.tol}, atol ${rep.atol}, eps ${rep.eps}): ${bad.join('; ')}`, rep);
  }
  return rep;
}

interface Cfg {
  eps: number;
  tol: number;
  atol: number;
  maxEntries: number;
  picker: ReturnType<typeof makeRng>;
}

function indicesFor(n: number, cfg: Cfg): Int32Array {
  if (!(cfg.maxEntries < n)) return Int32Array.from({ length: n }, (_, i) => i);
  const k = Math.max(0, Math.floor(cfg.maxEntries));
  const all = Int32Array.from({ length: n }, (_, i) => i);
  // Partial Fisher-Yates: the first k slots are a uniform sample without replacement.
  for (let i = 0; i < k; i++) {
    const j = i + cfg.picker.int(n - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, k).sort();
}

function compare(name: string, values: Float64Array, analytic: Float64Array, f: () => number, cfg: Cfg): GradCheckEntry {
  const { eps, tol, atol } = cfg;
  const floor = atol / tol;
  const idx = indicesFor(values.length, cfg);
  let worstRel = 0;
  let worstAbs = 0;
  let worst = -1;
  let wa = 0;
  let wn = 0;
  for (let t = 0; t < idx.length; t++) {
    const i = idx[t]!;
    const orig = values[i]!;
    values[i] = orig + eps;
    const fp = f();
    values[i] = orig - eps;
    const fm = f();
    values[i] = orig;
    const num = (fp - fm) / (2 * eps);
    const a = analytic[i]!;
    const err = Math.abs(a - num);
    const rel = err / Math.max(Math.abs(a), Math.abs(num), floor);
    const absc = Number.isNaN(err) ? Infinity : err;
    const relc = Number.isNaN(rel) ? Infinity : rel;
    if (absc > worstAbs) worstAbs = absc;
    if (worst < 0 || relc > worstRel) {
      worstRel = relc;
      worst = i;
      wa = a;
      wn = num;
    }
  }
  return {
    name,
    size: values.length,
    checked: idx.length,
    maxRelError: worstRel,
    maxAbsError: worstAbs,
    worstIndex: worst,
    analytic: wa,
    numeric: wn,
    passed: worstRel <= tol,
  };
}

function report(parameters: GradCheckEntry[], inputs: GradCheckEntry[], cfg: Cfg, evaluations: number): GradCheckReport {
  let worst = 0;
  let passed = true;
  for (const e of [...parameters, ...inputs]) {
    if (e.maxRelError > worst) worst = e.maxRelError;
    passed &&= e.passed;
  }
  return { passed, maxRelError: worst, parameters, inputs, eps: cfg.eps, tol: cfg.tol, atol: cfg.atol, evaluations };
}
