import type { Matrix, Rng } from '@x/gpu';
import { checkOneOf, checkOptions, checkRng, checkSize } from '@x/gpu/checks';
import { sigmoid } from './activations';
import { envelope, readEnvelope } from './envelope';
import { erf } from './erf';
import type { InitScheme } from './init';
import { Linear } from './linear';
import { ContainerModule } from './container';
import { checkGrad, type Module, type ModuleJSON, noForward } from './module';
import { childFromJSON, type ModuleRegistry } from './registry';

/** The gate nonlinearity of a {@link GLU}: `'silu'` (SwiGLU), `'sigmoid'` (the original GLU), `'gelu'` (GEGLU, exact erf form). */
export type GluActivation = 'silu' | 'sigmoid' | 'gelu';

/** Options of {@link GLU} (and {@link SwiGLU}, without `activation`). */
export interface GLUOptions {
  /** Gate nonlinearity (default `'sigmoid'` for GLU; {@link SwiGLU} uses `'silu'`). */
  activation?: GluActivation;
  /** Seed (or Rng) for the three projections' init, drawn gate, up, down. Default 0. */
  seed?: number | Rng;
  /** Weight init of the projections (default `'xavier-uniform'`). */
  init?: InitScheme;
  /** Name used in error messages. */
  name?: string;
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT2PI = 1 / Math.sqrt(2 * Math.PI);

function act(kind: GluActivation, g: number): { a: number; da: number } {
  switch (kind) {
    case 'silu': {
      const s = sigmoid(g);
      return { a: g * s, da: s * (1 + g * sigmoid(-g)) };
    }
    case 'sigmoid': {
      const s = sigmoid(g);
      return { a: s, da: s * sigmoid(-g) };
    }
    case 'gelu': {
      const c = 0.5 * (1 + erf(g * INV_SQRT2));
      return { a: g * c, da: c + g * Math.exp(-0.5 * g * g) * INV_SQRT2PI };
    }
  }
}

/** The keys of {@link GLUOptions}. */
const GLU_KEYS = ['activation', 'seed', 'init', 'name'];

/**
 * Gated feed-forward block (Dauphin et al. 2017; Shazeer 2020, "GLU Variants Improve
 * Transformer", eq. 5-6), in the llama MLP layout:
 * y = down_proj( act(gate_proj(x)) ⊙ up_proj(x) ), all three projections without bias,
 * gate/up dim -> hidden, down hidden -> dim. Parameter names `gate_proj.weight`,
 * `up_proj.weight`, `down_proj.weight` (weights stored [out, in]).
 *
 * backward: dh = dy W_downᵀ-side product; dgate = dh ⊙ up ⊙ act'(gate), dup = dh ⊙ act(gate);
 * dx = gate.backward(dgate) + up.backward(dup). O(batch * dim * hidden), all products GEMMs.
 */
export class GLU extends ContainerModule {
  readonly dim: number;
  readonly hidden: number;
  readonly activation: GluActivation;
  readonly name: string;
  protected readonly label: string;
  /** dim -> hidden; a Linear unless replaced through {@link setChild}. */
  gate_proj: Module;
  /** dim -> hidden. */
  up_proj: Module;
  /** hidden -> dim. */
  down_proj: Module;
  private cache: { a: Float64Array; da: Float64Array; up: Float64Array; rows: number } | null = null;

  constructor(dim: number, hidden: number, opts: GLUOptions = {}) {
    super();
    opts = checkOptions('GLU', opts, GLU_KEYS);
    const activation = opts.activation ?? 'sigmoid';
    const name = opts.name ?? `${activation === 'silu' ? 'SwiGLU' : 'GLU'}(${dim}, ${hidden})`;
    checkOneOf(name, 'activation', activation, ['silu', 'sigmoid', 'gelu'] as const);
    checkSize(name, 'dim', dim, 1);
    checkSize(name, 'hidden', hidden, 1);
    this.dim = dim;
    this.hidden = hidden;
    this.activation = activation;
    this.name = name;
    this.label = name;
    const r = checkRng(name, 'seed', opts.seed ?? 0);
    const init = opts.init;
    this.gate_proj = new Linear(dim, hidden, { seed: r, init, bias: false, name: `${name}.gate_proj` });
    this.up_proj = new Linear(dim, hidden, { seed: r, init, bias: false, name: `${name}.up_proj` });
    this.down_proj = new Linear(hidden, dim, { seed: r, init, bias: false, name: `${name}.down_proj` });
  }

  forward(x: Matrix): Matrix {
    const g = this.gate_proj.forward(x).data;
    const u = this.up_proj.forward(x).data;
    const n = g.length;
    const a = new Float64Array(n);
    const da = new Float64Array(n);
    const h = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = act(this.activation, g[i]!);
      a[i] = r.a;
      da[i] = r.da;
      h[i] = r.a * u[i]!;
    }
    this.cache = { a, da, up: Float64Array.from(u), rows: x.rows };
    return this.down_proj.forward({ rows: x.rows, cols: this.hidden, data: h });
  }

  backward(dy: Matrix): Matrix {
    const c = this.cache;
    if (!c) throw noForward(this.name);
    checkGrad(this.name, dy, c.rows, this.dim);
    const dh = this.down_proj.backward(dy).data;
    const n = dh.length;
    const dg = new Float64Array(n);
    const du = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      dg[i] = dh[i]! * c.up[i]! * c.da[i]!;
      du[i] = dh[i]! * c.a[i]!;
    }
    const dx = this.gate_proj.backward({ rows: c.rows, cols: this.hidden, data: dg });
    const dx2 = this.up_proj.backward({ rows: c.rows, cols: this.hidden, data: du });
    for (let i = 0; i < dx.data.length; i++) dx.data[i]! += dx2.data[i]!;
    return dx;
  }

  /** `gate_proj`, `up_proj`, `down_proj`. */
  namedChildren(): Array<[string, Module]> {
    return [
      ['gate_proj', this.gate_proj],
      ['up_proj', this.up_proj],
      ['down_proj', this.down_proj],
    ];
  }

  /** `{ type: 'GLU', version: 1, config: { dim, hidden, activation, name }, state: { gate_proj, up_proj, down_proj } }` (the projections' own JSON). */
  toJSON(): ModuleJSON {
    return envelope(
      'GLU',
      { dim: this.dim, hidden: this.hidden, activation: this.activation, name: this.name },
      this.childrenJSON(),
    );
  }

  /** Rebuilds the block from {@link GLU.toJSON} output (exact values; projection types through `registry`). */
  static fromJSON(json: ModuleJSON, registry?: ModuleRegistry): GLU {
    const { config, state } = readEnvelope('GLU.fromJSON', 'GLU', json);
    const g = new GLU(config.dim as number, config.hidden as number, { activation: config.activation as GluActivation, name: config.name as string | undefined });
    for (const [n] of g.namedChildren()) g.setChild(n, childFromJSON('GLU.fromJSON', n, state[n], registry));
    return g;
  }
}

/** {@link GLU} with the SiLU (swish) gate: the llama / PaLM feed-forward block (Shazeer 2020, eq. 6 "SwiGLU"). */
export class SwiGLU extends GLU {
  constructor(dim: number, hidden: number, opts: Omit<GLUOptions, 'activation'> = {}) {
    super(dim, hidden, { ...checkOptions('SwiGLU', opts, GLU_KEYS.filter((k) => k !== 'activation')), activation: 'silu' });
  }
}
