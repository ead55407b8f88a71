import { DomainError, type EncodedArray, type Matrix, ShapeError } from '@x/gpu';
import { checkFinite, checkOptions, checkShape, checkSize, describe } from '@x/gpu/checks';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { type RationalInit, rationalInit } from './rational-inits';
import { checkRationalCoefficients, checkRationalForm, RATIONAL_DEN, RATIONAL_NUM, type RationalCoefficients, type RationalForm } from './rational';

/** Options of {@link GroupRational}. */
export interface GroupRationalOptions {
  /** Number of channel groups g (default 8); `channels` must be divisible by it. */
  groups?: number;
  /** Initial coefficients: a fitted set by name (default 'identity', taken for `form`) or explicit { a, b }. */
  init?: RationalInit | RationalCoefficients;
  /**
   * Denominator form (default 'B', the kernel's Q = 1 + Σ|b_i||x|^i ≥ 1); 'A' is the paper's
   * 1 + |Σ b_i x^i|, 'C' the grouped torch code's 1 + Σ|b_i| x^i (poles possible for x < 0).
   */
  form?: RationalForm;
  name?: string;
}

/** What {@link GroupRational.toJSON} returns: the `@x` state envelope. */
export type GroupRationalJSON = ModuleStateJSON<'GroupRational', { name: string; channels: number; groups: number; form: RationalForm }, { numerator: EncodedArray; denominator: EncodedArray }>;

/**
 * KAT's group-rational activation (Yang & Wang, "Kolmogorov-Arnold Transformer", 2024, GR-KAN):
 * the C channels are split into g contiguous groups of C/g, and channel c gets
 * F_{group(c)}(x) = P(x) / Q_{group(c)}(x), with Q in the chosen {@link RationalForm} (default
 * the safe form B, Q ≥ 1). As in the official code
 * (the paper states the reverse; the author confirmed the paper is the typo, kat#15), the
 * numerator a (6) is SHARED by all groups and the denominator b (g x 4) is PER GROUP.
 *
 * forward: batch x C -> batch x C, O(batch C). backward: dx, and accumulates ∂L/∂a, ∂L/∂b
 * (see {@link rationalDerivatives} for the formulas).
 */
export class GroupRational implements Module {
  readonly channels: number;
  readonly groups: number;
  /** The denominator form Q of every group. */
  readonly form: RationalForm;
  readonly name: string;
  /** Shared numerator a_0..a_5 (parameter storage). */
  readonly numerator: Float64Array;
  /** Per-group denominators, row-major g x 4 (b_1..b_4 of group k at 4k..4k+3). */
  readonly denominator: Float64Array;
  readonly numeratorGrad: Float64Array;
  readonly denominatorGrad: Float64Array;
  private x: Matrix | null = null;

  constructor(channels: number, opts: GroupRationalOptions = {}) {
    checkOptions('GroupRational', opts, ['groups', 'init', 'form', 'name']);
    const name = opts.name ?? `GroupRational(${describe(channels)})`;
    if (typeof name !== 'string') throw new DomainError(`GroupRational: name must be a string, got ${describe(name)}`);
    const g = opts.groups ?? 8;
    checkSize(name, 'channels', channels, 1);
    if (!Number.isSafeInteger(g) || g < 1 || channels % g !== 0) {
      throw new DomainError(`${name}: groups must be a positive integer dividing channels (${channels}), got ${g}`);
    }
    const form = checkRationalForm(name, opts.form);
    const init = opts.init ?? 'identity';
    const c = typeof init === 'string' ? rationalInit(init, form) : init;
    checkRationalCoefficients(name, c);
    this.channels = channels;
    this.groups = g;
    this.form = form;
    this.name = name;
    this.numerator = Float64Array.from(c.a);
    this.denominator = new Float64Array(g * RATIONAL_DEN);
    for (let k = 0; k < g; k++) for (let i = 0; i < RATIONAL_DEN; i++) this.denominator[k * RATIONAL_DEN + i] = c.b[i]!;
    this.numeratorGrad = new Float64Array(RATIONAL_NUM);
    this.denominatorGrad = new Float64Array(g * RATIONAL_DEN);
  }

  forward(x: Matrix): Matrix {
    checkShape(this.name, 'x', x, undefined, this.channels);
    // The 6 + 4g coefficients up front (a non-finite b can still give a finite output).
    checkFinite(this.name, 'numerator', this.numerator, 'weights must be finite');
    checkFinite(this.name, 'denominator', this.denominator, 'weights must be finite');
    const { rows, cols } = x;
    const xd = x.data;
    const y = new Float64Array(rows * cols);
    const a = this.numerator;
    const [a0, a1, a2, a3, a4, a5] = [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!];
    const formA = this.form === 'A';
    const absX = this.form === 'B';
    const per = cols / this.groups;
    let bad = 0;
    for (let k = 0; k < this.groups; k++) {
      const [c1, c2, c3, c4] = this.powerCoefficients(k);
      for (let r = 0; r < rows; r++) {
        const off = r * cols + k * per;
        for (let c = 0; c < per; c++) {
          const v = xd[off + c]!;
          const u = absX ? Math.abs(v) : v;
          const p = a0 + v * (a1 + v * (a2 + v * (a3 + v * (a4 + v * a5))));
          const s = u * (c1 + u * (c2 + u * (c3 + u * c4)));
          const out = p / (1 + (formA ? Math.abs(s) : s));
          y[off + c] = out;
          bad += out - out;
        }
      }
    }
    // One sum over the output just written: 0 unless an entry is not finite; only then is x
    // searched for the entry to name. A non-finite output from finite input and coefficients
    // (a pole of form C, an overflow) is the unit's value and is returned.
    if (bad !== 0) checkFinite(this.name, 'x', x);
    this.x = x;
    return { rows, cols, data: y };
  }

  backward(dy: Matrix): Matrix {
    const x = this.x;
    if (!x) throw new DomainError(`${this.name}: backward called before forward (there is no cached input)`);
    checkShape(this.name, 'dy', dy, x.rows, x.cols);
    const { rows, cols } = x;
    const xd = x.data;
    const g = dy.data;
    const dx = new Float64Array(rows * cols);
    const a = this.numerator;
    const [a0, a1, a2, a3, a4, a5] = [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!];
    const ga = this.numeratorGrad;
    const formA = this.form === 'A';
    const absX = this.form === 'B';
    const per = cols / this.groups;
    for (let k = 0; k < this.groups; k++) {
      const [c1, c2, c3, c4] = this.powerCoefficients(k);
      let ga0 = 0;
      let ga1 = 0;
      let ga2 = 0;
      let ga3 = 0;
      let ga4 = 0;
      let ga5 = 0;
      // Σ_elements ∂L/∂c_i, with c_i the power coefficients; chained to b_i below.
      let gc1 = 0;
      let gc2 = 0;
      let gc3 = 0;
      let gc4 = 0;
      for (let r = 0; r < rows; r++) {
        const off = r * cols + k * per;
        for (let c = 0; c < per; c++) {
          const v = xd[off + c]!;
          const gi = g[off + c]!;
          const u = absX ? Math.abs(v) : v;
          const v2 = v * v;
          const v3 = v2 * v;
          const v4 = v2 * v2;
          const v5 = v4 * v;
          const u2 = u * u;
          const u3 = u2 * u;
          const u4 = u2 * u2;
          const p = a0 + a1 * v + a2 * v2 + a3 * v3 + a4 * v4 + a5 * v5;
          const dp = a1 + 2 * a2 * v + 3 * a3 * v2 + 4 * a4 * v3 + 5 * a5 * v4;
          // A: Q = 1 + |S|, S = Σ c_i x^i, so Q' = sign(S) S' and ∂Q/∂c_i = sign(S) x^i.
          // B: Q = 1 + Σ c_i |x|^i, Q' = sign(x) Σ i c_i |x|^{i-1}. C: Q = 1 + Σ c_i x^i.
          let q: number;
          let sq: number;
          let sc = 1;
          if (formA) {
            const sv = c1 * u + c2 * u2 + c3 * u3 + c4 * u4;
            sc = Math.sign(sv);
            sq = sc;
            q = 1 + Math.abs(sv);
          } else {
            sq = absX ? Math.sign(v) : 1;
            q = 1 + c1 * u + c2 * u2 + c3 * u3 + c4 * u4;
          }
          const dq = sq * (c1 + 2 * c2 * u + 3 * c3 * u2 + 4 * c4 * u3);
          const iq = 1 / q;
          const pq2 = p * iq * iq;
          dx[off + c] = gi * (dp * iq - pq2 * dq);
          const gq = gi * iq;
          ga0 += gq;
          ga1 += gq * v;
          ga2 += gq * v2;
          ga3 += gq * v3;
          ga4 += gq * v4;
          ga5 += gq * v5;
          const gp = gi * pq2 * sc;
          gc1 -= gp * u;
          gc2 -= gp * u2;
          gc3 -= gp * u3;
          gc4 -= gp * u4;
        }
      }
      ga[0]! += ga0;
      ga[1]! += ga1;
      ga[2]! += ga2;
      ga[3]! += ga3;
      ga[4]! += ga4;
      ga[5]! += ga5;
      // B and C see |b_i|: ∂c_i/∂b_i = sign(b_i) (sign(0) = 0, as the reference kernel); A uses b_i itself.
      const gc = [gc1, gc2, gc3, gc4];
      for (let i = 0; i < RATIONAL_DEN; i++) {
        this.denominatorGrad[4 * k + i]! += (formA ? 1 : Math.sign(this.denominator[4 * k + i]!)) * gc[i]!;
      }
    }
    return { rows, cols, data: dx };
  }

  /** Q − 1 = Σ c_i u^i of group k: c_i = b_i for form A, |b_i| for B and C. */
  private powerCoefficients(k: number): [number, number, number, number] {
    const d = this.denominator.subarray(4 * k, 4 * k + 4);
    return this.form === 'A' ? [d[0]!, d[1]!, d[2]!, d[3]!] : [Math.abs(d[0]!), Math.abs(d[1]!), Math.abs(d[2]!), Math.abs(d[3]!)];
  }

  /** The coefficients of group k: { a (shared), b (group k) }. */
  coefficients(k: number): RationalCoefficients {
    if (!Number.isInteger(k) || k < 0 || k >= this.groups) throw new ShapeError(`${this.name}: group ${k} out of range [0, ${this.groups})`);
    return { a: this.numerator.slice(), b: this.denominator.slice(4 * k, 4 * k + 4) };
  }

  parameters(): Parameter[] {
    return [
      { name: 'numerator', value: this.numerator, grad: this.numeratorGrad, shape: [RATIONAL_NUM] },
      { name: 'denominator', value: this.denominator, grad: this.denominatorGrad, shape: [this.groups, RATIONAL_DEN] },
    ];
  }

  zeroGrad(): void {
    this.numeratorGrad.fill(0);
    this.denominatorGrad.fill(0);
  }

  /** The state envelope: name, sizes and form as `config`, the coefficients (bit-exact) as `state`. */
  toJSON(): GroupRationalJSON {
    return moduleJSON(
      'GroupRational',
      { name: this.name, channels: this.channels, groups: this.groups, form: this.form },
      { numerator: this.numerator, denominator: this.denominator },
    );
  }

  /** Rebuilds from {@link GroupRational.toJSON} (or the unversioned format); every field is checked (sizes, form, lengths, finite coefficients). */
  static fromJSON(json: GroupRationalJSON): GroupRational {
    const fn = 'GroupRational.fromJSON';
    const r = readModuleJSON(fn, 'GroupRational', json);
    const channels = r.int('channels', 1);
    const groups = r.int('groups', 1);
    const form = checkRationalForm(fn, r.raw('form'));
    const m = new GroupRational(channels, { groups, form, name: r.has('name') ? r.string('name') : undefined });
    m.numerator.set(r.f64('numerator', { length: RATIONAL_NUM, finite: true }));
    m.denominator.set(r.f64('denominator', { length: groups * RATIONAL_DEN, finite: true }));
    return m;
  }
}
