import { assertMatrix, DomainError, type Matrix } from '@x/gpu';
import { checkFinite, checkPositive } from '@x/gpu/checks';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';

const EPS = 1e-5;

function rowNorm(x: Float64Array, o: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += x[o + j]! ** 2;
  return Math.max(Math.sqrt(s), 1e-15);
}

/** What {@link ExpMap0.toJSON} returns: the `@x` state envelope (curvature as config). */
export type ExpMap0JSON = ModuleStateJSON<'ExpMap0', { c: number }, Record<string, never>>;

/**
 * Row-wise `exp_0(v) = tanh(√c‖v‖) v/(√c‖v‖)` (Ganea et al. 2018, eq. 13) as a parameter-free
 * module: maps Euclidean features onto the Poincaré ball. backward uses the Jacobian
 * `g I + g′(s) v vᵀ/s`, g(s) = tanh(√c s)/(√c s).
 */
export class ExpMap0 implements Module {
  private x: Matrix | null = null;
  constructor(readonly c = 1) {
    checkPositive('ExpMap0', 'c', c);
  }
  forward(x: Matrix): Matrix<Float64Array> {
    assertMatrix('ExpMap0', 'x', x);
    const d = x.cols;
    const sc = Math.sqrt(this.c);
    const out = new Float64Array(x.data.length);
    let bad = 0;
    for (let b = 0; b < x.rows; b++) {
      const s = rowNorm(x.data as Float64Array, b * d, d);
      // Project to ‖y‖ <= (1 − ε)/√c, ε = 1e-5 (float64; spec §4a numerics).
      bad += s - s;
      const g = Math.min(Math.tanh(sc * s), 1 - EPS) / (sc * s);
      for (let j = 0; j < d; j++) out[b * d + j] = g * x.data[b * d + j]!;
    }
    // A non-finite entry makes its row norm non-finite: name it (a second pass only then).
    if (bad !== 0) checkFinite('ExpMap0', 'x', x);
    this.x = x;
    return { rows: x.rows, cols: d, data: out };
  }
  backward(dy: Matrix): Matrix<Float64Array> {
    const x = this.x;
    if (!x) throw new DomainError('ExpMap0: backward called before forward');
    const d = x.cols;
    const sc = Math.sqrt(this.c);
    const out = new Float64Array(x.data.length);
    for (let b = 0; b < x.rows; b++) {
      const o = b * d;
      const s = rowNorm(x.data as Float64Array, o, d);
      const th = Math.tanh(sc * s);
      const clamped = th > 1 - EPS;
      const t = clamped ? 1 - EPS : th;
      const g = t / (sc * s);
      // g'(s) = (1 − tanh²(√c s))/s − tanh(√c s)/(√c s²); on the projected shell only the second term.
      const gp = (clamped ? 0 : (1 - th * th) / s) - t / (sc * s * s);
      let vd = 0;
      for (let j = 0; j < d; j++) vd += x.data[o + j]! * dy.data[o + j]!;
      for (let j = 0; j < d; j++) out[o + j] = g * dy.data[o + j]! + ((gp / s) * vd) * x.data[o + j]!;
    }
    return { rows: x.rows, cols: d, data: out };
  }
  parameters(): Parameter[] {
    return [];
  }
  zeroGrad(): void {}
  /** The state envelope: the curvature as `config`, no state. */
  toJSON(): ExpMap0JSON {
    return moduleJSON('ExpMap0', { c: this.c }, {});
  }

  /** Rebuilds from {@link ExpMap0.toJSON} (or the unversioned format); `c` must be a positive finite number. */
  static fromJSON(json: ExpMap0JSON): ExpMap0 {
    const r = readModuleJSON('ExpMap0.fromJSON', 'ExpMap0', json);
    const c = r.number('c');
    if (!(c > 0)) throw new DomainError(`ExpMap0.fromJSON: c must be > 0, got ${c}`);
    return new ExpMap0(c);
  }
}

/** What {@link LogMap0.toJSON} returns: the `@x` state envelope (curvature as config). */
export type LogMap0JSON = ModuleStateJSON<'LogMap0', { c: number }, Record<string, never>>;

/**
 * Row-wise `log_0(y) = artanh(√c‖y‖) y/(√c‖y‖)` (Ganea et al. 2018, eq. 13) as a
 * parameter-free module: maps ball points back to Euclidean features (e.g. before a readout).
 */
export class LogMap0 implements Module {
  private y: Matrix | null = null;
  constructor(readonly c = 1) {
    checkPositive('LogMap0', 'c', c);
  }
  forward(y: Matrix): Matrix<Float64Array> {
    assertMatrix('LogMap0', 'y', y);
    const d = y.cols;
    const sc = Math.sqrt(this.c);
    const out = new Float64Array(y.data.length);
    let bad = 0;
    for (let b = 0; b < y.rows; b++) {
      const s = rowNorm(y.data as Float64Array, b * d, d);
      bad += s - s;
      const g = Math.atanh(Math.min(sc * s, 1 - 1e-16)) / (sc * s);
      for (let j = 0; j < d; j++) out[b * d + j] = g * y.data[b * d + j]!;
    }
    if (bad !== 0) checkFinite('LogMap0', 'y', y);
    this.y = y;
    return { rows: y.rows, cols: d, data: out };
  }
  backward(dy: Matrix): Matrix<Float64Array> {
    const y = this.y;
    if (!y) throw new DomainError('LogMap0: backward called before forward');
    const d = y.cols;
    const c = this.c;
    const sc = Math.sqrt(c);
    const out = new Float64Array(y.data.length);
    for (let b = 0; b < y.rows; b++) {
      const o = b * d;
      const s = rowNorm(y.data as Float64Array, o, d);
      const at = Math.atanh(Math.min(sc * s, 1 - 1e-16));
      const g = at / (sc * s);
      // g'(s) = 1/(s(1 − c s²)) − artanh(√c s)/(√c s²)
      const gp = 1 / (s * (1 - c * s * s)) - at / (sc * s * s);
      let vd = 0;
      for (let j = 0; j < d; j++) vd += y.data[o + j]! * dy.data[o + j]!;
      for (let j = 0; j < d; j++) out[o + j] = g * dy.data[o + j]! + ((gp / s) * vd) * y.data[o + j]!;
    }
    return { rows: y.rows, cols: d, data: out };
  }
  parameters(): Parameter[] {
    return [];
  }
  zeroGrad(): void {}
  /** The state envelope: the curvature as `config`, no state. */
  toJSON(): LogMap0JSON {
    return moduleJSON('LogMap0', { c: this.c }, {});
  }

  /** Rebuilds from {@link LogMap0.toJSON} (or the unversioned format); `c` must be a positive finite number. */
  static fromJSON(json: LogMap0JSON): LogMap0 {
    const r = readModuleJSON('LogMap0.fromJSON', 'LogMap0', json);
    const c = r.number('c');
    if (!(c > 0)) throw new DomainError(`LogMap0.fromJSON: c must be > 0, got ${c}`);
    return new LogMap0(c);
  }
}
