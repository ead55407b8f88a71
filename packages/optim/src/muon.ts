import { adamStepInPlace, decayInPlace } from './adam-kernel';
import { DomainError } from '@x/gpu';
import { checkBoolean, checkSize } from '@x/gpu/checks';
import { newtonSchulz5 } from './newton-schulz';
import { type BaseOptions, checkJSON, f64, OptimizerBase, type OptimizerJSON, type ParamState } from './optimizer';
import type { ParamView } from './params';
import { checkInt, checkNonNegative, checkOneOf, checkUnit, shapeMismatch } from './validate';

/**
 * The AdamW step that Muon-style optimizers (Muon, Trion, ARO) give vectors and the 2-D
 * parameters named in `adamNames` (muon.py's MuonWithAuxAdam).
 */
export interface AuxAdamOptions {
  /** Names of 2-D parameters that use AdamW instead (embeddings, output heads). 1-D ones always do. */
  adamNames?: readonly string[];
  /** AdamW learning rate of the auxiliary parameters, default 3e-4 (muon.py's MuonWithAuxAdam). */
  adamLr?: number;
  /** Default [0.9, 0.95]. */
  adamBetas?: readonly [number, number];
  /** Default 1e-10. */
  adamEps?: number;
  /** Default 0. */
  adamWeightDecay?: number;
}

/** Options of {@link Muon}. */
export interface MuonOptions extends BaseOptions, AuxAdamOptions {
  /** Learning rate of the Muon (matrix) parameters, default 0.02. */
  lr?: number;
  /** Momentum beta, default 0.95. */
  momentum?: number;
  /** Nesterov-style update u = lerp(g, m, beta) (default true) instead of u = m. */
  nesterov?: boolean;
  /** Newton-Schulz iterations, default 5. */
  nsSteps?: number;
  /** Decoupled weight decay of the Muon parameters, default 0. */
  weightDecay?: number;
  /**
   * Shape scaling of the orthogonalized update: 'keller' (default) multiplies by
   * sqrt(max(1, rows/cols)) (muon.py); 'moonlight' by 0.2 sqrt(max(rows, cols)) (Liu et al.,
   * "Muon is Scalable for LLM Training", 2025, eq. 4: matches AdamW's update RMS); 'none' by 1.
   */
  shapeScale?: 'keller' | 'moonlight' | 'none';
}

/** What {@link Muon.toJSON} returns: the `@x` state envelope with the options as `config`. */
export type MuonJSON = OptimizerJSON<'Muon', MuonOptions>;

/**
 * Muon (Jordan et al. 2024, "Muon: An optimizer for hidden layers in neural networks";
 * KellerJordan/Muon muon.py, `muon_update` + `MuonWithAuxAdam`): for each 2-D parameter
 * m <- lerp(m, g, 1 - beta); u = lerp(g, m, beta) (Nesterov) or m; u <- NS5(u) * shape scale;
 * w <- w (1 - lr wd) - lr u. Vectors and the parameters named in `adamNames` take the AdamW
 * step of MuonWithAuxAdam (torch AdamW formula). The schedule multiplies both learning rates.
 * Float64 throughout (the reference orthogonalizes in bfloat16).
 * Complexity per m x n matrix: 5 NS iterations, O(k² l), k = min(m, n), l = max(m, n).
 */
export class Muon extends OptimizerBase<MuonOptions> {
  private readonly beta: number;
  private readonly nesterov: boolean;
  private readonly nsSteps: number;
  private readonly wd: number;
  private readonly shapeScale: 'keller' | 'moonlight' | 'none';
  private readonly adamNames: ReadonlySet<string>;
  private readonly adamLr: number;
  private readonly ab1: number;
  private readonly ab2: number;
  private readonly aeps: number;
  private readonly awd: number;

  constructor(options: MuonOptions = {}) {
    super('Muon', options, 0.02, ['lr', 'schedule', 'momentum', 'nesterov', 'nsSteps', 'weightDecay', 'shapeScale', 'adamNames', 'adamLr', 'adamBetas', 'adamEps', 'adamWeightDecay']);
    this.beta = checkUnit('Muon', 'momentum', options.momentum ?? 0.95);
    this.nesterov = checkBoolean('Muon', 'nesterov', options.nesterov ?? true);
    this.nsSteps = checkInt('Muon', 'nsSteps', options.nsSteps ?? 5, 0);
    this.wd = checkNonNegative('Muon', 'weightDecay', options.weightDecay ?? 0);
    this.shapeScale = checkOneOf('Muon', 'shapeScale', options.shapeScale ?? 'keller', ['keller', 'moonlight', 'none'] as const);
    this.adamNames = new Set(options.adamNames ?? []);
    this.adamLr = checkNonNegative('Muon', 'adamLr', options.adamLr ?? 3e-4);
    const [b1, b2] = options.adamBetas ?? [0.9, 0.95];
    this.ab1 = checkUnit('Muon', 'adamBetas[0]', b1);
    this.ab2 = checkUnit('Muon', 'adamBetas[1]', b2);
    this.aeps = checkNonNegative('Muon', 'adamEps', options.adamEps ?? 1e-10);
    this.awd = checkNonNegative('Muon', 'adamWeightDecay', options.adamWeightDecay ?? 0);
  }

  /** Whether a parameter takes the Muon step (else AdamW). */
  protected usesMuon(v: Pick<ParamView, 'name' | 'isMatrix' | 'rows' | 'cols'>): boolean {
    return v.isMatrix && v.rows > 1 && v.cols > 1 && !this.adamNames.has(v.name);
  }

  protected checkState(v: ParamView, s: ParamState): void {
    const n = f64(s, 'm').length;
    if (n !== v.w.length || (s.v === undefined) === !this.usesMuon(v)) throw shapeMismatch('Muon', v.name, `${n} entries`, `${v.rows}x${v.cols}`);
    // Same size, other shape (a 6x4 state for a 4x6 parameter): the momentum would be applied
    // transposed. The shape is kept in the state (`rows`, `cols`) from the step that built it,
    // so it survives toJSON/fromJSON; a state saved before it was kept learns it on its next step.
    const { rows, cols } = s;
    if (rows !== undefined && (rows !== v.rows || cols !== v.cols)) throw shapeMismatch('Muon', v.name, `${rows}x${cols}`, `${v.rows}x${v.cols}`);
  }

  protected update(p: ParamView, lr: number, t: number, factor: number): void {
    const muon = this.usesMuon(p);
    let s = this.state.get(p.name);
    if (!s) {
      s = muon ? { m: new Float64Array(p.w.length) } : { m: new Float64Array(p.w.length), v: new Float64Array(p.w.length) };
      this.state.set(p.name, s);
    }
    if (s.rows === undefined) {
      s.rows = p.rows;
      s.cols = p.cols;
    }
    if (!muon) {
      const alr = this.adamLr * factor;
      decayInPlace(p.w, alr, this.awd);
      adamStepInPlace(p.w, p.g, f64(s, 'm'), f64(s, 'v'), alr, this.ab1, this.ab2, this.aeps, t);
      return;
    }
    const m = f64(s, 'm');
    const g = p.g;
    const beta = this.beta;
    const u = new Float64Array(m.length);
    for (let i = 0; i < m.length; i++) {
      const mi = m[i]! + (1 - beta) * (g[i]! - m[i]!);
      m[i] = mi;
      u[i] = this.nesterov ? g[i]! + beta * (mi - g[i]!) : mi;
    }
    const O = newtonSchulz5({ rows: p.rows, cols: p.cols, data: u }, { steps: this.nsSteps });
    const sc = muonShapeScale(this.shapeScale, p.rows, p.cols);
    decayInPlace(p.w, lr, this.wd);
    const w = p.w;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! - lr * (O.data[i]! * sc);
  }

  /**
   * The state envelope: `config` is the options, `state` the step count and per-parameter state
   * (bit-exact): the momentum `m` (and AdamW's `v`), and the `rows`, `cols` the state was built for.
   */
  override toJSON(): MuonJSON {
    return super.toJSON() as MuonJSON;
  }

  /**
   * Rebuilds an optimizer from {@link Muon.toJSON} (or the version-1 format, or an envelope
   * saved without `rows`/`cols`, whose shape is learned on the next step); resumes
   * bit-identically. Throws a DomainError naming the field for malformed or missing state.
   */
  static fromJSON(json: MuonJSON): Muon {
    const j = checkJSON('Muon', json);
    for (const [name, s] of j.params) {
      const { rows, cols } = s;
      if (rows === undefined && cols === undefined) continue;
      const n = s.m instanceof Float64Array ? s.m.length : -1;
      const ok = (d: unknown) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1;
      if (!ok(rows) || !ok(cols) || (rows as number) * (cols as number) !== n) {
        throw new DomainError(`Muon.fromJSON: state.params.${name}: rows and cols must be integers >= 1 whose product is the ${n} entries of m, got ${String(rows)} and ${String(cols)}`);
      }
    }
    return new Muon(j.options as MuonOptions).restore(j);
  }
}

/** The shape scale of an orthogonalized update (see {@link MuonOptions.shapeScale}). */
export function muonShapeScale(kind: 'keller' | 'moonlight' | 'none', rows: number, cols: number): number {
  checkOneOf('muonShapeScale', 'kind', kind, ['keller', 'moonlight', 'none'] as const);
  checkSize('muonShapeScale', 'rows', rows, 1);
  checkSize('muonShapeScale', 'cols', cols, 1);
  if (kind === 'keller') return Math.sqrt(Math.max(1, rows / cols));
  if (kind === 'moonlight') return 0.2 * Math.sqrt(Math.max(rows, cols));
  return 1;
}
