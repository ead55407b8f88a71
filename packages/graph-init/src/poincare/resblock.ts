import { assertMatrix, DomainError, type EncodedArray, type Matrix, ShapeError } from '@x/gpu';
import { checkBoolean, checkOneOf, checkOptions, checkPositive, checkSize, checkUnit } from '@x/gpu/checks';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, prefixParameters, ReLU, readModuleJSON } from '@x/nn';
import { loadBatchNormState, PoincareBatchNorm } from './batchnorm';
import { PoincareConv2d } from './conv';
import { ExpMap0, LogMap0 } from './maps-layer';
import { mobiusAddInto, mobiusAddVjp } from './vjp';

/** Options of {@link PoincareResBlock}. */
export interface PoincareResBlockOptions {
  /** Feature-map height and width (pixels). */
  height: number;
  width: number;
  /** Odd kernel side of both convolutions (default 3; padding k/2 keeps the size). */
  kernel?: number;
  /** Curvature −c (c > 0; default 1; the paper trains with 0.1). */
  c?: number;
  /** Initialisation of both convolutions (see {@link PoincareConv2dOptions.init}; default 'identity'). */
  init?: 'identity' | 'gaussian';
  /** Momentum of both batch norms' running statistics (default 0.1). */
  momentum?: number;
  /** With the two batch norms (default true, the paper's block); false drops them (an ablation). */
  batchNorm?: boolean;
  seed?: number;
}

/** What {@link PoincareResBlock.toJSON} returns: the `@x` state envelope (both convolutions' and batch norms' state under prefixed keys). */
export type PoincareResBlockJSON = ModuleStateJSON<
  'PoincareResBlock',
  { channels: number; height: number; width: number; kernel: number; c: number; momentum: number; batchNorm: boolean },
  Record<string, EncodedArray>
>;

/**
 * The residual block of Poincaré ResNet (van Spengler et al., ICCV 2023, §4; the paper's code
 * `ResidualBlock`): on tangent vectors at the origin (batch x (H·W·channels)),
 * `f(x) = BN(conv(ReLU(BN(conv(x)))))` with {@link PoincareConv2d} (stride 1, padding k/2) and
 * {@link PoincareBatchNorm}, ReLU applied to the tangent vectors (as the paper does), then the
 * skip connection by Möbius addition per pixel, `y = ReLU(log_0(exp_0(f(x)) ⊕ exp_0(x)))` (the
 * paper's default order "fr": f(x) ⊕ x). backward through all of it. `batchNorm: false` drops
 * both batch norms (an ablation, not the paper's block). O(batch·H·W·k²·channels²).
 */
export class PoincareResBlock implements Module {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly kernel: number;
  readonly c: number;
  /** Momentum of the batch norms' running statistics. */
  readonly momentum: number;
  readonly conv1: PoincareConv2d;
  /** The batch norms (null when built with `batchNorm: false`). */
  readonly bn1: PoincareBatchNorm | null;
  readonly conv2: PoincareConv2d;
  readonly bn2: PoincareBatchNorm | null;
  private readonly act1 = new ReLU();
  private readonly act2 = new ReLU();
  private readonly expF: ExpMap0;
  private readonly expX: ExpMap0;
  private readonly log: LogMap0;
  private cache: { F: Float64Array; X: Float64Array; rows: number } | null = null;

  constructor(channels: number, opts: PoincareResBlockOptions) {
    const fn = 'PoincareResBlock';
    checkSize(fn, 'channels', channels, 1);
    if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { height, width, … } are required`);
    checkOptions(fn, opts, ['height', 'width', 'kernel', 'c', 'init', 'momentum', 'batchNorm', 'seed']);
    const withBn = checkBoolean(fn, 'batchNorm', opts.batchNorm ?? true);
    const kernel = checkSize(fn, 'kernel', opts.kernel ?? 3, 1);
    if (kernel % 2 !== 1) throw new DomainError(`${fn}: kernel must be odd (the block keeps the feature-map size), got ${kernel}`);
    const c = checkPositive(fn, 'c', opts.c ?? 1);
    const init = checkOneOf(fn, 'init', opts.init ?? 'identity', ['identity', 'gaussian'] as const);
    const seed = opts.seed ?? 0;
    const conv = { height: opts.height, width: opts.width, kernel, padding: (kernel - 1) / 2, c, init };
    this.conv1 = new PoincareConv2d(channels, channels, { ...conv, seed });
    this.conv2 = new PoincareConv2d(channels, channels, { ...conv, seed: seed + 1 });
    const bn = opts.momentum === undefined ? { c } : { c, momentum: opts.momentum };
    this.bn1 = withBn ? new PoincareBatchNorm(channels, bn) : null;
    this.bn2 = withBn ? new PoincareBatchNorm(channels, bn) : null;
    this.momentum = this.bn1?.momentum ?? checkUnit(fn, 'momentum', opts.momentum ?? 0.1, 0, 1, '[]');
    this.channels = channels;
    this.height = this.conv1.height;
    this.width = this.conv1.width;
    this.kernel = kernel;
    this.c = c;
    this.expF = new ExpMap0(c);
    this.expX = new ExpMap0(c);
    this.log = new LogMap0(c);
  }

  /** Training mode for both batch norms; returns this. */
  train(): this {
    this.bn1?.train();
    this.bn2?.train();
    return this;
  }

  /** Eval mode (running statistics) for both batch norms; returns this. */
  eval(): this {
    this.bn1?.eval();
    this.bn2?.eval();
    return this;
  }

  forward(x: Matrix): Matrix<Float64Array> {
    const fn = 'PoincareResBlock';
    assertMatrix(fn, 'x', x);
    if (x.cols !== this.conv1.inFeatures) throw new ShapeError(`${fn}: x is ${x.rows}x${x.cols}, expected batch x ${this.conv1.inFeatures}`);
    const f = fwd(this.bn2, this.conv2.forward(this.act1.forward(fwd(this.bn1, this.conv1.forward(x)))));
    const d = this.channels;
    const N = (x.rows * x.cols) / d;
    const F = this.expF.forward({ rows: N, cols: d, data: f.data }).data;
    const X = this.expX.forward({ rows: N, cols: d, data: x.data }).data;
    const S = new Float64Array(N * d);
    for (let i = 0; i < N; i++) mobiusAddInto(F.subarray(i * d, (i + 1) * d), X.subarray(i * d, (i + 1) * d), this.c, S.subarray(i * d, (i + 1) * d));
    const t = this.log.forward({ rows: N, cols: d, data: S });
    this.cache = { F, X, rows: x.rows };
    return this.act2.forward({ rows: x.rows, cols: x.cols, data: t.data }) as Matrix<Float64Array>;
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    const fn = 'PoincareResBlock';
    const k = this.cache;
    if (!k) throw new DomainError(`${fn}: backward called before forward`);
    assertMatrix(fn, 'dy', dy);
    const cols = this.conv1.inFeatures;
    if (dy.rows !== k.rows || dy.cols !== cols) throw new ShapeError(`${fn}: dy is ${dy.rows}x${dy.cols}, expected ${k.rows}x${cols}`);
    const d = this.channels;
    const N = (k.rows * cols) / d;
    const gt = this.act2.backward(dy);
    const gS = this.log.backward({ rows: N, cols: d, data: gt.data }).data;
    const gF = new Float64Array(N * d);
    const gX = new Float64Array(N * d);
    for (let i = 0; i < N; i++) {
      const sl = (a: Float64Array) => a.subarray(i * d, (i + 1) * d);
      mobiusAddVjp(sl(k.F), sl(k.X), this.c, sl(gS), sl(gF), sl(gX));
    }
    const gf = this.expF.backward({ rows: N, cols: d, data: gF }).data;
    const gx = this.expX.backward({ rows: N, cols: d, data: gX }).data;
    const gBranch = this.conv1.backward(bwd(this.bn1, this.act1.backward(this.conv2.backward(bwd(this.bn2, { rows: k.rows, cols, data: gf })))));
    for (let i = 0; i < gx.length; i++) gx[i]! += gBranch.data[i]!;
    return { rows: k.rows, cols, data: gx };
  }

  /** conv1.Z, conv1.r, bn1.mean, bn1.variance, conv2.*, bn2.*. */
  parameters(): Parameter[] {
    return [
      ...prefixParameters('conv1', this.conv1.parameters()),
      ...prefixParameters('bn1', this.bn1?.parameters() ?? []),
      ...prefixParameters('conv2', this.conv2.parameters()),
      ...prefixParameters('bn2', this.bn2?.parameters() ?? []),
    ];
  }

  zeroGrad(): void {
    this.conv1.zeroGrad();
    this.bn1?.zeroGrad();
    this.conv2.zeroGrad();
    this.bn2?.zeroGrad();
  }

  /** The state envelope: geometry as `config`; the convolutions' Z, r and the batch norms' parameters and running statistics (bit-exact) as `state`. */
  toJSON(): PoincareResBlockJSON {
    const state: Record<string, Float64Array> = {};
    for (const [name, conv] of [['conv1', this.conv1], ['conv2', this.conv2]] as const) {
      state[`${name}.Z`] = conv.fc.Z.data;
      state[`${name}.r`] = conv.fc.r;
    }
    for (const [name, bn] of [['bn1', this.bn1], ['bn2', this.bn2]] as const) {
      if (!bn) continue;
      state[`${name}.mean`] = bn.mean;
      state[`${name}.variance`] = bn.variance;
      state[`${name}.runningMean`] = bn.runningMean;
      state[`${name}.runningVariance`] = bn.runningVariance;
    }
    const config = { channels: this.channels, height: this.height, width: this.width, kernel: this.kernel, c: this.c, momentum: this.momentum, batchNorm: this.bn1 !== null };
    return moduleJSON('PoincareResBlock', config, state) as PoincareResBlockJSON;
  }

  /** Rebuilds from {@link PoincareResBlock.toJSON}; every field is checked as in {@link PoincareConv2d.fromJSON} and {@link PoincareBatchNorm.fromJSON}. */
  static fromJSON(json: PoincareResBlockJSON): PoincareResBlock {
    const fn = 'PoincareResBlock.fromJSON';
    const rd = readModuleJSON(fn, 'PoincareResBlock', json);
    const c = rd.number('c');
    if (!(c > 0)) throw new DomainError(`${fn}: c must be > 0, got ${c}`);
    const b = new PoincareResBlock(rd.int('channels', 1), {
      height: rd.int('height', 1),
      width: rd.int('width', 1),
      kernel: rd.int('kernel', 1),
      c,
      momentum: rd.number('momentum', { min: 0, max: 1 }),
      batchNorm: rd.has('batchNorm') ? rd.bool('batchNorm') : true,
      init: 'gaussian',
    });
    for (const [name, conv] of [['conv1', b.conv1], ['conv2', b.conv2]] as const) {
      conv.fc.Z.data.set(rd.f64(`${name}.Z`, { length: conv.fc.Z.data.length, finite: true }));
      conv.fc.r.set(rd.f64(`${name}.r`, { length: conv.fc.r.length, finite: true }));
    }
    if (b.bn1) loadBatchNormState(fn, rd, 'bn1.', b.bn1);
    if (b.bn2) loadBatchNormState(fn, rd, 'bn2.', b.bn2);
    return b;
  }
}

function fwd(bn: PoincareBatchNorm | null, x: Matrix): Matrix {
  return bn ? bn.forward(x) : x;
}

function bwd(bn: PoincareBatchNorm | null, dy: Matrix): Matrix {
  return bn ? bn.backward(dy) : dy;
}
