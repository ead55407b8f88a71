import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { checkAlloc, checkOptions, checkSeed, checkSize, describe } from '@x/gpu/checks';
import { Linear, type LinearJSON, type Module, type ModuleStateJSON, moduleJSON, type Parameter, prefixParameters, readModuleJSON } from '@x/nn';
import { GroupRational, type GroupRationalJSON } from './group-rational';
import { type RationalCoefficients, type RationalForm, rationalGain } from './rational';
import { type RationalInit, rationalInit } from './rational-inits';

/** Options of {@link GrKan}. */
export interface GrKanOptions {
  /** Channel groups of the rational unit (default 8; must divide inFeatures). */
  groups?: number;
  /** Rational init (default 'gelu', the fit for `form`; 'identity' for KAT's fc1). */
  init?: RationalInit | RationalCoefficients;
  /** Denominator form of the rational unit (default 'B'; see {@link RationalForm}). */
  form?: RationalForm;
  /** Weight std multiplier² (default: the variance-preserving {@link rationalGain} of the init in its form). */
  gain?: number;
  /** Learn a bias (default true, initialised to zero). */
  bias?: boolean;
  seed?: number;
  name?: string;
}

/** What {@link GrKan.toJSON} returns: the `@x` state envelope, the parts' envelopes nested in `state`. */
export type GrKanJSON = ModuleStateJSON<'GrKan', { name: string }, { rational: GroupRationalJSON; linear: LinearJSON }>;

/**
 * A GR-KAN layer (Yang & Wang, "Kolmogorov-Arnold Transformer", 2024, eq. for GR-KAN):
 * y = W F_group(x) + bias, a {@link GroupRational} activation (numerator shared, denominator per
 * group, denominator form A, B or C, default the safe form B) followed by a linear map. W ~ N(0, gain²/fan_in) with the
 * variance-preserving gain² = 1/E_{z~N(0,1)}[F(z)²] of the init, so unit-variance inputs give
 * unit-variance outputs at init. (The released KAT code overwrites this init of its MLP layers
 * with trunc_normal(0.02); this class follows the paper.) Forward and backward O(batch in out).
 */
export class GrKan implements Module {
  readonly rational: GroupRational;
  readonly linear: Linear;
  readonly name: string;

  constructor(inFeatures: number, outFeatures: number, opts: GrKanOptions = {}) {
    checkOptions('GrKan', opts, ['groups', 'init', 'form', 'gain', 'bias', 'seed', 'name']);
    const name = opts.name ?? `GrKan(${describe(inFeatures)}, ${describe(outFeatures)})`;
    if (typeof name !== 'string') throw new DomainError(`GrKan: name must be a string, got ${describe(name)}`);
    this.name = name;
    checkSize(name, 'inFeatures', inFeatures, 1);
    checkSize(name, 'outFeatures', outFeatures, 1);
    checkAlloc(name, 'the weight', inFeatures, outFeatures);
    const seed = checkSeed(name, 'seed', opts.seed ?? 0);
    const init = opts.init ?? 'gelu';
    this.rational = new GroupRational(inFeatures, { groups: opts.groups ?? 8, init, form: opts.form, name: `${name}.rational` });
    const form = this.rational.form;
    const gain2 = opts.gain ?? rationalGain(typeof init === 'string' ? rationalInit(init, form) : init, form);
    if (!(gain2 > 0) || !Number.isFinite(gain2)) throw new DomainError(`${name}: gain must be a positive finite number, got ${gain2}`);
    if (!Number.isInteger(outFeatures) || outFeatures < 1) throw new DomainError(`${name}: outFeatures must be a positive integer, got ${outFeatures}`);
    const g = rng(seed);
    const w = g.fillNormal(new Float64Array(inFeatures * outFeatures), Math.sqrt(gain2 / inFeatures));
    this.linear = new Linear(inFeatures, outFeatures, { weight: w, bias: opts.bias ?? true, name: `${name}.linear` });
  }

  forward(x: Matrix): Matrix {
    return this.linear.forward(this.rational.forward(x));
  }

  backward(dy: Matrix): Matrix {
    return this.rational.backward(this.linear.backward(dy));
  }

  parameters(): Parameter[] {
    return [...prefixParameters('rational', this.rational.parameters()), ...prefixParameters('linear', this.linear.parameters())];
  }

  zeroGrad(): void {
    this.rational.zeroGrad();
    this.linear.zeroGrad();
  }

  /** The state envelope: the name as `config`, the rational's and the linear layer's envelopes as `state`. */
  toJSON(): GrKanJSON {
    return moduleJSON('GrKan', { name: this.name }, { rational: this.rational.toJSON(), linear: this.linear.toJSON() });
  }

  /** Rebuilds from {@link GrKan.toJSON} (or the unversioned format); the parts are checked by their own `fromJSON`, and their sizes must agree. */
  static fromJSON(json: GrKanJSON): GrKan {
    const fn = 'GrKan.fromJSON';
    const rd = readModuleJSON(fn, 'GrKan', json);
    const r = GroupRational.fromJSON(rd.raw('rational') as GroupRationalJSON);
    const l = Linear.fromJSON(rd.raw('linear') as LinearJSON);
    if (l.inFeatures !== r.channels) throw new ShapeError(`${fn}: the linear layer takes ${l.inFeatures} features, the rational has ${r.channels} channels`);
    const m = new GrKan(r.channels, l.outFeatures, { groups: r.groups, form: r.form, bias: l.useBias, name: rd.has('name') ? rd.string('name') : undefined });
    m.rational.numerator.set(r.numerator);
    m.rational.denominator.set(r.denominator);
    m.linear.weight.data.set(l.weight.data);
    m.linear.bias.set(l.bias);
    return m;
  }
}
