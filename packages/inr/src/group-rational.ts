import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkGrad, checkInput, floatsFromJSON, type Module, type ModuleJSON, type Parameter } from '@x/nn';
import { RATIONAL_INITS, type RationalInit } from './rational-inits';
import { checkRationalCoefficients, RATIONAL_DEN, RATIONAL_NUM, type RationalCoefficients } from './rational';

/** Options of {@link GroupRational}. */
export interface GroupRationalOptions {
  /** Number of channel groups g (default 8); `channels` must be divisible by it. */
  groups?: number;
  /** Initial coefficients: a fitted set by name (default 'identity') or explicit { a, b }. */
  init?: RationalInit | RationalCoefficients;
  name?: string;
}

/**
 * KAT's group-rational activation (Yang & Wang, "Kolmogorov-Arnold Transformer", 2024, GR-KAN):
 * the C channels are split into g contiguous groups of C/g, and channel c gets
 * F_{group(c)}(x) = P(x) / Q_{group(c)}(x) in the safe form B (Q ≥ 1). As in the official code
 * (the paper states the reverse; the author confirmed the paper is the typo, kat#15), the
 * numerator a (6) is SHARED by all groups and the denominator b (g x 4) is PER GROUP.
 *
 * forward: batch x C -> batch x C, O(batch C). backward: dx, and accumulates ∂L/∂a, ∂L/∂b
 * (see {@link rationalDerivatives} for the formulas).
 */
export class GroupRational implements Module {
  readonly channels: number;
  readonly groups: number;
  readonly name: string;
  /** Shared numerator a_0..a_5 (parameter storage). */
  readonly numerator: Float64Array;
  /** Per-group denominators, row-major g x 4 (b_1..b_4 of group k at 4k..4k+3). */
  readonly denominator: Float64Array;
  readonly numeratorGrad: Float64Array;
  readonly denominatorGrad: Float64Array;
  private x: Matrix | null = null;

  constructor(channels: number, opts: GroupRationalOptions = {}) {
    const name = opts.name ?? `GroupRational(${channels})`;
    const g = opts.groups ?? 8;
    if (!Number.isInteger(channels) || channels < 1) throw new DomainError(`${name}: channels must be a positive integer, got ${channels}`);
    if (!Number.isInteger(g) || g < 1 || channels % g !== 0) {
      throw new DomainError(`${name}: groups must be a positive integer dividing channels (${channels}), got ${g}`);
    }
    const init = opts.init ?? 'identity';
    const c = typeof init === 'string' ? RATIONAL_INITS[init] : init;
    if (!c) throw new DomainError(`${name}: unknown init ${String(init)}`);
    checkRationalCoefficients(name, c);
    this.channels = channels;
    this.groups = g;
    this.name = name;
    this.numerator = Float64Array.from(c.a);
    this.denominator = new Float64Array(g * RATIONAL_DEN);
    for (let k = 0; k < g; k++) for (let i = 0; i < RATIONAL_DEN; i++) this.denominator[k * RATIONAL_DEN + i] = c.b[i]!;
    this.numeratorGrad = new Float64Array(RATIONAL_NUM);
    this.denominatorGrad = new Float64Array(g * RATIONAL_DEN);
  }

  forward(x: Matrix): Matrix {
    checkInput(this.name, 'x', x, this.channels);
    const { rows, cols } = x;
    const xd = x.data;
    const y = new Float64Array(rows * cols);
    const a = this.numerator;
    const [a0, a1, a2, a3, a4, a5] = [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!];
    const per = cols / this.groups;
    for (let k = 0; k < this.groups; k++) {
      const b1 = Math.abs(this.denominator[4 * k]!);
      const b2 = Math.abs(this.denominator[4 * k + 1]!);
      const b3 = Math.abs(this.denominator[4 * k + 2]!);
      const b4 = Math.abs(this.denominator[4 * k + 3]!);
      for (let r = 0; r < rows; r++) {
        const off = r * cols + k * per;
        for (let c = 0; c < per; c++) {
          const v = xd[off + c]!;
          const av = Math.abs(v);
          const p = a0 + v * (a1 + v * (a2 + v * (a3 + v * (a4 + v * a5))));
          const q = 1 + av * (b1 + av * (b2 + av * (b3 + av * b4)));
          y[off + c] = p / q;
        }
      }
    }
    this.x = x;
    return { rows, cols, data: y };
  }

  backward(dy: Matrix): Matrix {
    const x = this.x;
    if (!x) throw new DomainError(`${this.name}: backward called before forward (there is no cached input)`);
    checkGrad(this.name, dy, x.rows, x.cols);
    const { rows, cols } = x;
    const xd = x.data;
    const g = dy.data;
    const dx = new Float64Array(rows * cols);
    const a = this.numerator;
    const [a0, a1, a2, a3, a4, a5] = [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!];
    const ga = this.numeratorGrad;
    const per = cols / this.groups;
    for (let k = 0; k < this.groups; k++) {
      const s1 = this.denominator[4 * k]!;
      const s2 = this.denominator[4 * k + 1]!;
      const s3 = this.denominator[4 * k + 2]!;
      const s4 = this.denominator[4 * k + 3]!;
      const b1 = Math.abs(s1);
      const b2 = Math.abs(s2);
      const b3 = Math.abs(s3);
      const b4 = Math.abs(s4);
      let ga0 = 0;
      let ga1 = 0;
      let ga2 = 0;
      let ga3 = 0;
      let ga4 = 0;
      let ga5 = 0;
      let gb1 = 0;
      let gb2 = 0;
      let gb3 = 0;
      let gb4 = 0;
      for (let r = 0; r < rows; r++) {
        const off = r * cols + k * per;
        for (let c = 0; c < per; c++) {
          const v = xd[off + c]!;
          const gi = g[off + c]!;
          const av = Math.abs(v);
          const v2 = v * v;
          const v3 = v2 * v;
          const v4 = v2 * v2;
          const v5 = v4 * v;
          const av2 = av * av;
          const av3 = av2 * av;
          const av4 = av2 * av2;
          const p = a0 + a1 * v + a2 * v2 + a3 * v3 + a4 * v4 + a5 * v5;
          const dp = a1 + 2 * a2 * v + 3 * a3 * v2 + 4 * a4 * v3 + 5 * a5 * v4;
          const q = 1 + b1 * av + b2 * av2 + b3 * av3 + b4 * av4;
          const dq = Math.sign(v) * (b1 + 2 * b2 * av + 3 * b3 * av2 + 4 * b4 * av3);
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
          const gp = gi * pq2;
          gb1 -= gp * av;
          gb2 -= gp * av2;
          gb3 -= gp * av3;
          gb4 -= gp * av4;
        }
      }
      ga[0]! += ga0;
      ga[1]! += ga1;
      ga[2]! += ga2;
      ga[3]! += ga3;
      ga[4]! += ga4;
      ga[5]! += ga5;
      const gb = this.denominatorGrad;
      gb[4 * k]! += Math.sign(s1) * gb1;
      gb[4 * k + 1]! += Math.sign(s2) * gb2;
      gb[4 * k + 2]! += Math.sign(s3) * gb3;
      gb[4 * k + 3]! += Math.sign(s4) * gb4;
    }
    return { rows, cols, data: dx };
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

  toJSON(): ModuleJSON {
    return {
      type: 'GroupRational',
      name: this.name,
      channels: this.channels,
      groups: this.groups,
      numerator: Array.from(this.numerator),
      denominator: Array.from(this.denominator),
    };
  }

  /** Rebuilds from {@link GroupRational.toJSON} (exact values). */
  static fromJSON(json: ModuleJSON): GroupRational {
    if (json.type !== 'GroupRational') throw new DomainError(`GroupRational.fromJSON: type is ${String(json.type)}`);
    const channels = Number(json.channels);
    const groups = Number(json.groups);
    const m = new GroupRational(channels, { groups, name: typeof json.name === 'string' ? json.name : undefined });
    m.numerator.set(floatsFromJSON('GroupRational.fromJSON', 'numerator', json.numerator, RATIONAL_NUM));
    m.denominator.set(floatsFromJSON('GroupRational.fromJSON', 'denominator', json.denominator, groups * RATIONAL_DEN));
    return m;
  }
}
