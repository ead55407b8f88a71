import { assertMatrix, DomainError, type EncodedArray, type Matrix, ShapeError } from '@x/gpu';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { checkOptions, checkPositive } from '@x/gpu/checks';
import { BALL_EPS, type PoincareLinearParams, poincareInit, poincareLinearRaw, columnFrames } from './linear';

/** Options of {@link PoincareLinear}. */
export interface PoincareLinearOptions {
  /** Curvature −c of the ball (c > 0; default 1). */
  c?: number;
  /** 'identity' (Z = ½I, square layers; default when n_in = n_out) or 'gaussian'. */
  init?: 'identity' | 'gaussian';
  seed?: number;
}

/** What {@link PoincareLinear.toJSON} returns: the `@x` state envelope. */
export type PoincareLinearJSON = ModuleStateJSON<'PoincareLinear', { inFeatures: number; outFeatures: number; c: number }, { Z: EncodedArray; r: EncodedArray }>;

/**
 * The Poincaré fully-connected layer of HNN++ (Shimizu et al. 2021, eq. 11) as a trainable
 * @x/nn module, with the identity initialisation of Poincaré ResNet (van Spengler et al. 2023):
 * forward as {@link poincareLinear} (rows of X are points of the ball), backward by the chain rule
 * through `y = w/(1 + √(1 + c‖w‖²))`, `w = sinh(√c v)/√c`, `v_k = (2‖z_k‖/√c) asinh(arg_k)` and
 * `λ_x = 2/(1 − c‖x‖²)`, accumulating dZ and dr and returning dX. O(batch · n_in · n_out).
 */
export class PoincareLinear implements Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly c: number;
  /** n_in x n_out; column k is z_k. */
  readonly Z: Matrix<Float64Array>;
  readonly r: Float64Array;
  private readonly gZ: Float64Array;
  private readonly gr: Float64Array;
  private x: Matrix | null = null;

  constructor(inFeatures: number, outFeatures: number, opts: PoincareLinearOptions = {}) {
    const fn = 'PoincareLinear';
    checkOptions(fn, opts, ['c', 'init', 'seed']);
    const c = checkPositive(fn, 'c', opts.c ?? 1);
    const init = opts.init ?? (inFeatures === outFeatures ? 'identity' : 'gaussian');
    const p = poincareInit(fn, inFeatures, outFeatures, init, opts.seed === undefined ? {} : { seed: opts.seed });
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.c = c;
    this.Z = p.Z;
    this.r = p.r;
    this.gZ = new Float64Array(p.Z.data.length);
    this.gr = new Float64Array(p.r.length);
  }

  /** The current parameters (shared storage). */
  get params(): PoincareLinearParams {
    return { Z: this.Z, r: this.r };
  }

  forward(x: Matrix): Matrix<Float64Array> {
    assertMatrix('PoincareLinear', 'x', x);
    if (x.cols !== this.inFeatures) throw new ShapeError(`PoincareLinear: x is ${x.rows}x${x.cols}, expected batch x ${this.inFeatures}`);
    const y = poincareLinearRaw('PoincareLinear', x, this.Z, this.r, this.c);
    this.x = x;
    return y;
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    const X = this.x;
    if (!X) throw new DomainError('PoincareLinear: backward called before forward');
    const nIn = this.inFeatures;
    const nOut = this.outFeatures;
    if (dy.rows !== X.rows || dy.cols !== nOut) throw new ShapeError(`PoincareLinear: dy is ${dy.rows}x${dy.cols}, expected ${X.rows}x${nOut}`);
    const c = this.c;
    const sc = Math.sqrt(c);
    const Z = this.Z.data;
    // v_k = (2‖z_k‖/√c) asinh(A_k), A_k = √c λ ch_k ⟨x, u_k⟩ − (λ − 1) sh_k, u_k = z_k/‖z_k‖.
    // ∂v/∂z = (2/√c)[asinh(A) u + √c λ ch q (x − ⟨x,u⟩ u)], q = 1/√(1 + A²). v is positively
    // homogeneous of degree 1 in z_k, so at z_k = 0 it has directional derivatives only; there
    // u_k = 0 gives (2/√c) √c λ ch q x, A = −(λ − 1) sh: the mean of the one-sided gradient
    // limits along ±u for any u ⟂ x (the value of the reference's 1e-15 norm clamp).
    const { norm: zn, dir: D, dirNorm: dn } = columnFrames(this.Z);
    const dX = new Float64Array(X.rows * nIn);
    const xu = new Float64Array(nOut);
    const arg = new Float64Array(nOut);
    const scv = new Float64Array(nOut);
    const w = new Float64Array(nOut);
    const chr = new Float64Array(nOut);
    const shr = new Float64Array(nOut);
    for (let k = 0; k < nOut; k++) {
      chr[k] = Math.cosh(2 * sc * this.r[k]!);
      shr[k] = Math.sinh(2 * sc * this.r[k]!);
    }
    for (let b = 0; b < X.rows; b++) {
      const xo = b * nIn;
      let x2 = 0;
      for (let i = 0; i < nIn; i++) x2 += X.data[xo + i]! ** 2;
      const lam = 2 / (1 - c * x2);
      let w2 = 0;
      for (let k = 0; k < nOut; k++) {
        let s = 0;
        for (let i = 0; i < nIn; i++) s += X.data[xo + i]! * D[i * nOut + k]!;
        xu[k] = s / dn[k]!;
        // The forward's own arithmetic (see poincareLinearRaw), so both see the same point.
        arg[k] = ((sc * lam * s) / dn[k]!) * chr[k]! - (lam - 1) * shr[k]!;
        const as = Math.asinh(arg[k]!);
        scv[k] = sc * (as === 0 ? as : ((2 * zn[k]!) / sc) * as);
        w[k] = Math.sinh(Math.max(-700, Math.min(700, scv[k]!))) / sc;
        w2 += w[k]! ** 2;
      }
      const root = Math.sqrt(1 + c * w2);
      const den = 1 + root;
      const wn = Math.sqrt(w2);
      // On the projected shell y = ρ w/‖w‖ (ρ = (1 − ε)/√c); otherwise y = w/den.
      const shell = wn / den > (1 - BALL_EPS) / sc || !Number.isFinite(w2);
      let dyw = 0;
      for (let k = 0; k < nOut; k++) dyw += dy.data[b * nOut + k]! * w[k]!;
      let dlam = 0;
      for (let k = 0; k < nOut; k++) {
        // y = w/den: dw_k = dy_k/den − (Σ_j dy_j w_j)/den² · c w_k/root.
        const dw = shell
          ? ((1 - BALL_EPS) / sc) * (dy.data[b * nOut + k]! / wn - (w[k]! * dyw) / (wn * wn * wn))
          : dy.data[b * nOut + k]! / den - ((dyw / (den * den)) * c * w[k]!) / root;
        const dv = Math.abs(scv[k]!) > 700 ? 0 : dw * Math.cosh(scv[k]!);
        if (dv === 0) continue;
        const ch = chr[k]!;
        const sh = shr[k]!;
        const dvs = (2 * dv) / sc;
        const q = 1 / Math.sqrt(1 + arg[k]! ** 2);
        const aq = sc * lam * ch * q;
        // dv/d⟨x, z_k⟩ and the coefficient of u_k in ∂v/∂z_k.
        const cu = Math.asinh(arg[k]!) - aq * xu[k]!;
        // ∂v/∂λ and ∂v/∂r_k carry ‖z_k‖ (0 for a zero column).
        const nq = dvs * zn[k]! * q;
        dlam += nq * (sc * ch * xu[k]! - sh);
        this.gr[k]! += nq * 2 * sc * (sc * lam * sh * xu[k]! - (lam - 1) * ch);
        for (let i = 0; i < nIn; i++) {
          this.gZ[i * nOut + k]! += dvs * ((cu * D[i * nOut + k]!) / dn[k]! + aq * X.data[xo + i]!);
          dX[xo + i]! += dvs * aq * Z[i * nOut + k]!;
        }
      }
      // λ = 2/(1 − c‖x‖²): ∂λ/∂x = c λ² x.
      for (let i = 0; i < nIn; i++) dX[xo + i]! += dlam * c * lam * lam * X.data[xo + i]!;
    }
    return { rows: X.rows, cols: nIn, data: dX };
  }

  parameters(): Parameter[] {
    return [
      { name: 'Z', value: this.Z.data, grad: this.gZ, shape: [this.inFeatures, this.outFeatures] },
      { name: 'r', value: this.r, grad: this.gr, shape: [this.outFeatures] },
    ];
  }

  zeroGrad(): void {
    this.gZ.fill(0);
    this.gr.fill(0);
  }

  /** The state envelope: sizes and curvature as `config`, Z and r (bit-exact) as `state`. */
  toJSON(): PoincareLinearJSON {
    return moduleJSON('PoincareLinear', { inFeatures: this.inFeatures, outFeatures: this.outFeatures, c: this.c }, { Z: this.Z.data, r: this.r });
  }

  /** Rebuilds from {@link PoincareLinear.toJSON} (or the unversioned format); every field is checked (sizes, c > 0, lengths, finite entries). */
  static fromJSON(json: PoincareLinearJSON): PoincareLinear {
    const fn = 'PoincareLinear.fromJSON';
    const rd = readModuleJSON(fn, 'PoincareLinear', json);
    const inF = rd.int('inFeatures', 1);
    const outF = rd.int('outFeatures', 1);
    const c = rd.number('c');
    if (!(c > 0)) throw new DomainError(`${fn}: c must be > 0, got ${c}`);
    const l = new PoincareLinear(inF, outF, { c, init: 'gaussian' });
    l.Z.data.set(rd.f64('Z', { length: l.Z.data.length, finite: true }));
    l.r.set(rd.f64('r', { length: l.r.length, finite: true }));
    return l;
  }
}
