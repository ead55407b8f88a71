import { assertMatrix, DomainError, type EncodedArray, type Matrix, type Rng, ShapeError } from '@x/gpu';
import { checkAlloc, checkBoolean, checkOptions, checkRng } from '@x/gpu/checks';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { checkInt, checkStruct } from './complex';
import { type DeltaProductInputs, deltaProductBackward, deltaProductRecurrence } from './deltaproduct';

/** Options of {@link DeltaProductLayer}. */
export interface DeltaProductLayerOptions {
  /** Model width D (input and output features per time step). */
  dModel: number;
  /** Key dimension (default D). */
  dk?: number;
  /** Value dimension (default D). */
  dv?: number;
  /** Householder steps per token n_h (default 2). */
  nh?: number;
  /** Allow negative eigenvalues: beta = 2 sigmoid(.) in [0, 2] (default true), else [0, 1]. */
  negativeEigenvalues?: boolean;
  /** Forget gate g_t = -exp(aLog) softplus(w_a·x_t + dtBias) (default true). */
  gate?: boolean;
  seed?: number | Rng;
}

const NAMES = ['Wq', 'Wk', 'Wv', 'Wb', 'bb', 'wa', 'aLog', 'dtBias', 'Wo'] as const;
type Name = (typeof NAMES)[number];

/** Entries of each parameter for model width D, key/value dims dk/dv and n_h Householder steps. */
const paramSizes = (D: number, dk: number, dv: number, nh: number): Record<Name, number> => ({
  Wq: dk * D,
  Wk: nh * dk * D,
  Wv: nh * dv * D,
  Wb: nh * D,
  bb: nh,
  wa: D,
  aLog: 1,
  dtBias: 1,
  Wo: D * dv,
});

/**
 * What {@link DeltaProductLayer.toJSON} returns: the `@x` state envelope, sizes and flags as
 * `config`, the parameters `Wq`, `Wk`, `Wv`, `Wb`, `bb`, `wa`, `aLog`, `dtBias`, `Wo` (all of
 * them, the gate's too when it is off) as bit-exact encoded arrays in `state`.
 */
export type DeltaProductLayerJSON = ModuleStateJSON<
  'DeltaProductLayer',
  { dModel: number; dk: number; dv: number; nh: number; negativeEigenvalues: boolean; gate: boolean },
  Record<'Wq' | 'Wk' | 'Wv' | 'Wb' | 'bb' | 'wa' | 'aLog' | 'dtBias' | 'Wo', EncodedArray>
>;

const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * A (gated) DeltaProduct token mixer as an @x/nn `Module` (DeltaProduct paper Sec. 3-4;
 * fla-org `GatedDeltaProduct` layer without its short convolutions and output norm): per time
 * step x_t (D), q_t = W_q x_t, keys k_tj = normalize(W_kj x_t), values v_tj = W_vj x_t,
 * beta_tj = betaMax sigmoid(w_bj·x_t + b_j) (betaMax = 2 with negative eigenvalues), gate
 * g_t = -exp(aLog) softplus(w_a·x_t + dtBias); the {@link deltaProductRecurrence} with n_h
 * sub-steps gives o_t and y_t = W_o o_t. A batch row is one sequence, time-major (T D columns).
 * Backward is hand-derived through {@link deltaProductBackward}; checked with @x/nn's gradCheck.
 * O(T (n_h dk dv + D (dk + n_h (dk + dv)))) per sequence.
 */
export class DeltaProductLayer implements Module {
  readonly D: number;
  readonly dk: number;
  readonly dv: number;
  readonly nh: number;
  readonly betaMax: 1 | 2;
  readonly gate: boolean;
  private readonly p: Record<Name, Float64Array>;
  private readonly g: Record<Name, Float64Array>;
  private cache: { x: Matrix; T: number } | null = null;

  constructor(opts: DeltaProductLayerOptions) {
    const fn = 'DeltaProductLayer';
    checkStruct(fn, 'options', opts);
    checkOptions(fn, opts, ['dModel', 'dk', 'dv', 'nh', 'negativeEigenvalues', 'gate', 'seed']);
    this.D = checkInt(fn, 'dModel', opts.dModel, 1);
    this.dk = checkInt(fn, 'dk', opts.dk ?? this.D, 1);
    this.dv = checkInt(fn, 'dv', opts.dv ?? this.D, 1);
    this.nh = checkInt(fn, 'nh', opts.nh ?? 2, 1);
    this.betaMax = checkBoolean(fn, 'negativeEigenvalues', opts.negativeEigenvalues ?? true) ? 2 : 1;
    this.gate = checkBoolean(fn, 'gate', opts.gate ?? true);
    const { D, dk, dv, nh } = this;
    checkAlloc(fn, 'Wv', nh * Math.max(dk, dv), D);
    const r = checkRng(fn, 'seed', opts.seed ?? 0);
    const sizes = paramSizes(D, dk, dv, nh);
    const p = {} as Record<Name, Float64Array>;
    for (const k of NAMES) p[k] = new Float64Array(sizes[k]);
    // Xavier-normal projections (fla uses xavier_uniform with gain 2^-2.5 at much larger widths).
    const fill = (a: Float64Array, fanIn: number, fanOut: number) => {
      const s = Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < a.length; i++) a[i] = s * r.normal();
    };
    fill(p.Wq, D, dk);
    fill(p.Wk, D, dk);
    fill(p.Wv, D, dv);
    fill(p.Wb, D, 1);
    fill(p.wa, D, 1);
    fill(p.Wo, dv, D);
    // A ~ U(0, 16) -> aLog = log A; dt ~ logU[1e-3, 1e-1] -> dtBias = softplus⁻¹(dt) (fla defaults)
    p.aLog[0] = Math.log(r.uniformIn(1e-3, 16));
    const dt = Math.exp(Math.log(1e-3) + r.uniform() * Math.log(100));
    p.dtBias[0] = dt + Math.log(-Math.expm1(-dt));
    this.p = p;
    this.g = Object.fromEntries(NAMES.map((k) => [k, new Float64Array(sizes[k])])) as Record<Name, Float64Array>;
  }

  private seqLength(fn: string, x: unknown): number {
    assertMatrix(fn, 'x', x);
    const m = x as Matrix;
    if (m.cols === 0 || m.cols % this.D !== 0) throw new ShapeError(`${fn}: x is ${m.rows}x${m.cols}, expected batch x (T * ${this.D}) (time-major)`);
    for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i]!)) throw new DomainError(`${fn}: x has non-finite entries`);
    return m.cols / this.D;
  }

  /** Projections of one sequence (row b of x) into recurrence inputs, plus what backward needs. */
  private project(x: Matrix, b: number, T: number) {
    const { D, dk, dv, nh, p } = this;
    const off = b * T * D;
    const q = new Float64Array(T * dk);
    const k = new Float64Array(T * nh * dk);
    const kn = new Float64Array(T * nh);
    const v = new Float64Array(T * nh * dv);
    const beta = new Float64Array(T * nh);
    const sig = new Float64Array(T * nh);
    const g = this.gate ? new Float64Array(T) : undefined;
    const aPre = new Float64Array(T);
    const eA = Math.exp(p.aLog[0]!);
    for (let t = 0; t < T; t++) {
      const xo = off + t * D;
      for (let a = 0; a < dk; a++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += p.Wq[a * D + i]! * x.data[xo + i]!;
        q[t * dk + a] = s;
      }
      for (let j = 0; j < nh; j++) {
        const st = t * nh + j;
        let n2 = 0;
        for (let a = 0; a < dk; a++) {
          let s = 0;
          const row = (j * dk + a) * D;
          for (let i = 0; i < D; i++) s += p.Wk[row + i]! * x.data[xo + i]!;
          k[st * dk + a] = s;
          n2 += s * s;
        }
        const n = Math.sqrt(n2) + 1e-12;
        kn[st] = n;
        for (let a = 0; a < dk; a++) k[st * dk + a] = k[st * dk + a]! / n;
        for (let c = 0; c < dv; c++) {
          let s = 0;
          const row = (j * dv + c) * D;
          for (let i = 0; i < D; i++) s += p.Wv[row + i]! * x.data[xo + i]!;
          v[st * dv + c] = s;
        }
        let z = p.bb[j]!;
        for (let i = 0; i < D; i++) z += p.Wb[j * D + i]! * x.data[xo + i]!;
        sig[st] = sigmoid(z);
        beta[st] = this.betaMax * sig[st]!;
      }
      if (g) {
        let a = p.dtBias[0]!;
        for (let i = 0; i < D; i++) a += p.wa[i]! * x.data[xo + i]!;
        aPre[t] = a;
        g[t] = -eA * softplus(a);
      }
    }
    const inp: DeltaProductInputs = { T, nh, dk, dv, q, k, v, beta, g };
    return { inp, kn, sig, aPre };
  }

  forward(x: Matrix): Matrix<Float64Array> {
    const T = this.seqLength('DeltaProductLayer.forward', x);
    const { D, dv, p } = this;
    const y = new Float64Array(x.rows * T * D);
    for (let b = 0; b < x.rows; b++) {
      const { inp } = this.project(x, b, T);
      const { o } = deltaProductRecurrence(inp);
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < D; i++) {
          let s = 0;
          for (let c = 0; c < dv; c++) s += p.Wo[i * dv + c]! * o[t * dv + c]!;
          y[b * T * D + t * D + i] = s;
        }
      }
    }
    this.cache = { x: { rows: x.rows, cols: x.cols, data: Float64Array.from(x.data) }, T };
    return { rows: x.rows, cols: x.cols, data: y };
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    if (!this.cache) throw new DomainError('DeltaProductLayer: backward called before forward (there is no cached input)');
    const { x, T } = this.cache;
    assertMatrix('DeltaProductLayer.backward', 'dy', dy);
    if (dy.rows !== x.rows || dy.cols !== x.cols) throw new ShapeError(`DeltaProductLayer: dy is ${dy.rows}x${dy.cols}, expected ${x.rows}x${x.cols}`);
    const { D, dk, dv, nh, p, g: G } = this;
    const dx = new Float64Array(x.rows * x.cols);
    const eA = Math.exp(p.aLog[0]!);
    for (let b = 0; b < x.rows; b++) {
      const off = b * T * D;
      const { inp, kn, sig, aPre } = this.project(x, b, T);
      const { o } = deltaProductRecurrence(inp);
      const dO = new Float64Array(T * dv);
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < D; i++) {
          const d = dy.data[off + t * D + i]!;
          if (d === 0) continue;
          for (let c = 0; c < dv; c++) {
            G.Wo[i * dv + c] = G.Wo[i * dv + c]! + d * o[t * dv + c]!;
            dO[t * dv + c] = dO[t * dv + c]! + d * p.Wo[i * dv + c]!;
          }
        }
      }
      const gr = deltaProductBackward(inp, dO);
      for (let t = 0; t < T; t++) {
        const xo = off + t * D;
        for (let a = 0; a < dk; a++) {
          const d = gr.dq[t * dk + a]!;
          for (let i = 0; i < D; i++) {
            G.Wq[a * D + i] = G.Wq[a * D + i]! + d * x.data[xo + i]!;
            dx[xo + i] = dx[xo + i]! + d * p.Wq[a * D + i]!;
          }
        }
        for (let j = 0; j < nh; j++) {
          const st = t * nh + j;
          let kd = 0;
          for (let a = 0; a < dk; a++) kd += inp.k[st * dk + a]! * gr.dk[st * dk + a]!;
          const inv = 1 / kn[st]!;
          for (let a = 0; a < dk; a++) {
            const d = (gr.dk[st * dk + a]! - inp.k[st * dk + a]! * kd) * inv;
            const row = (j * dk + a) * D;
            for (let i = 0; i < D; i++) {
              G.Wk[row + i] = G.Wk[row + i]! + d * x.data[xo + i]!;
              dx[xo + i] = dx[xo + i]! + d * p.Wk[row + i]!;
            }
          }
          for (let c = 0; c < dv; c++) {
            const d = gr.dv[st * dv + c]!;
            const row = (j * dv + c) * D;
            for (let i = 0; i < D; i++) {
              G.Wv[row + i] = G.Wv[row + i]! + d * x.data[xo + i]!;
              dx[xo + i] = dx[xo + i]! + d * p.Wv[row + i]!;
            }
          }
          const s = sig[st]!;
          const dz = gr.dbeta[st]! * this.betaMax * s * (1 - s);
          G.bb[j] = G.bb[j]! + dz;
          for (let i = 0; i < D; i++) {
            G.Wb[j * D + i] = G.Wb[j * D + i]! + dz * x.data[xo + i]!;
            dx[xo + i] = dx[xo + i]! + dz * p.Wb[j * D + i]!;
          }
        }
        if (this.gate) {
          const dg = gr.dg[t]!;
          const gt = inp.g![t]!;
          G.aLog[0] = G.aLog[0]! + dg * gt;
          const da = dg * -eA * sigmoid(aPre[t]!);
          G.dtBias[0] = G.dtBias[0]! + da;
          for (let i = 0; i < D; i++) {
            G.wa[i] = G.wa[i]! + da * x.data[xo + i]!;
            dx[xo + i] = dx[xo + i]! + da * p.wa[i]!;
          }
        }
      }
    }
    return { rows: x.rows, cols: x.cols, data: dx };
  }

  parameters(): Parameter[] {
    const { D, dk, dv, nh } = this;
    const shapes: Record<Name, number[]> = { Wq: [dk, D], Wk: [nh * dk, D], Wv: [nh * dv, D], Wb: [nh, D], bb: [nh], wa: [D], aLog: [1], dtBias: [1], Wo: [D, dv] };
    const names = this.gate ? NAMES : NAMES.filter((n) => n !== 'wa' && n !== 'aLog' && n !== 'dtBias');
    return names.map((k) => ({ name: k, value: this.p[k], grad: this.g[k], shape: shapes[k] }));
  }

  zeroGrad(): void {
    for (const k of NAMES) this.g[k].fill(0);
  }

  /** The state envelope: the sizes and flags as `config`, every projection (bit-exact) as `state`. */
  toJSON(): DeltaProductLayerJSON {
    return moduleJSON(
      'DeltaProductLayer',
      { dModel: this.D, dk: this.dk, dv: this.dv, nh: this.nh, negativeEigenvalues: this.betaMax === 2, gate: this.gate },
      { ...this.p },
    );
  }

  /**
   * Rebuilds a layer from {@link DeltaProductLayer.toJSON} (or the unversioned format of earlier
   * releases) with identical parameters. Sizes must be positive integers, the flags booleans and
   * every parameter present, of the length the sizes imply and finite; lengths are checked before
   * anything is allocated (DomainError for a wrong type or value, ShapeError for a wrong length).
   */
  static fromJSON(json: DeltaProductLayerJSON): DeltaProductLayer {
    const fn = 'DeltaProductLayer.fromJSON';
    const r = readModuleJSON(fn, 'DeltaProductLayer', json);
    const D = r.int('dModel', 1);
    const dk = r.int('dk', 1);
    const dv = r.int('dv', 1);
    const nh = r.int('nh', 1);
    const negativeEigenvalues = r.bool('negativeEigenvalues');
    const gate = r.bool('gate');
    const values = {} as Record<Name, Float64Array>;
    for (const k of NAMES) values[k] = r.f64(k, { length: paramSizes(D, dk, dv, nh)[k], finite: true });
    const l = new DeltaProductLayer({ dModel: D, dk, dv, nh, negativeEigenvalues, gate });
    for (const k of NAMES) l.p[k].set(values[k]);
    return l;
  }
}
