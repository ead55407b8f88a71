import { DomainError, type Matrix, matmul, type Rng } from '@x/gpu';
import { checkBoolean, checkFinite, checkOptions, checkRng, checkSize } from '@x/gpu/checks';
import { sequencesOf } from './embedding';
import { envelope, readEnvelope } from './envelope';
import { checkGrad, checkInput, floatsFromJSON, type Module, type ModuleJSON, noForward, type Parameter } from './module';

type M = Matrix<Float64Array>;

/** Options of {@link Conv1d}. */
export interface Conv1dOptions {
  /** Output channels (default: inChannels). */
  outChannels?: number;
  /** Channel groups (PyTorch `groups`): both channel counts must be divisible by it. Default 1. */
  groups?: number;
  /** Shorthand for groups = inChannels (one filter per channel, outChannels = inChannels unless given as a multiple). */
  depthwise?: boolean;
  /** Causal (default true): output t sees inputs t-k+1..t (left zero padding k-1). false: 'same' padding, ⌊(k-1)/2⌋ on the left. */
  causal?: boolean;
  /** Bias per output channel (default true). */
  bias?: boolean;
  /** Rows per sequence; undefined: the whole input is one sequence. Settable later. */
  seqLen?: number;
  /** Seed (or Rng) for PyTorch's default init U(-1/√(fan_in), 1/√(fan_in)), fan_in = (in/groups)·k, weight then bias. */
  seed?: number | Rng;
  /** Initial weight, out x (in/groups) x k row-major (copied). */
  weight?: ArrayLike<number>;
  /** Name used in error messages. */
  name?: string;
}

/**
 * 1-D convolution over time, per sequence, channels last: input (batch·T) x inChannels,
 * output (batch·T) x outChannels (same length T). PyTorch's `nn.Conv1d` cross-correlation
 * y[t, o] = b[o] + Σ_{c ∈ group(o)} Σ_j W[o, c, j] x[t + j - padLeft, c] with zero padding,
 * padLeft = k - 1 (causal, as in the short convolutions of Mamba/S4 blocks) or ⌊(k-1)/2⌋.
 * Weight layout [out, in/groups, k] as in PyTorch. `depthwise` is groups = inChannels.
 *
 * Computed by im2col and one @x/gpu `matmul` per group: Y_g = cols_g W_gᵀ; backward
 * dW_g += dY_gᵀ cols_g, dcols_g = dY_g W_g scattered back (col2im). O(B T out (in/groups) k).
 */
export class Conv1d implements Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly groups: number;
  readonly causal: boolean;
  readonly useBias: boolean;
  readonly name: string;
  seqLen: number | undefined;
  /** out x (in/groups) x k, flat. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly weightGrad: Float64Array;
  readonly biasGrad: Float64Array;
  private cache: { cols: M[]; B: number; T: number; rows: number } | null = null;

  constructor(inChannels: number, kernelSize: number, opts: Conv1dOptions = {}) {
    opts = checkOptions('Conv1d', opts, ['outChannels', 'groups', 'depthwise', 'causal', 'bias', 'seqLen', 'seed', 'weight', 'name']);
    const name = opts.name ?? `Conv1d(${inChannels}, k=${kernelSize})`;
    const groups = opts.depthwise ? inChannels : (opts.groups ?? 1);
    const out = opts.outChannels ?? inChannels;
    checkSize(name, 'inChannels', inChannels, 1);
    checkSize(name, 'kernelSize', kernelSize, 1);
    checkSize(name, 'outChannels', out, 1);
    checkSize(name, 'groups', groups, 1);
    if (inChannels % groups !== 0 || out % groups !== 0) {
      throw new DomainError(`${name}: groups ${groups} must divide inChannels ${inChannels} and outChannels ${out}`);
    }
    if (opts.seqLen !== undefined) checkSize(name, 'seqLen', opts.seqLen, 1);
    this.inChannels = inChannels;
    this.outChannels = out;
    this.kernelSize = kernelSize;
    this.groups = groups;
    this.causal = checkBoolean(name, 'causal', opts.causal ?? true);
    this.useBias = checkBoolean(name, 'bias', opts.bias ?? true);
    this.seqLen = opts.seqLen;
    this.name = name;
    const n = out * (inChannels / groups) * kernelSize;
    const r = checkRng(name, 'seed', opts.seed ?? 0);
    const bound = 1 / Math.sqrt((inChannels / groups) * kernelSize);
    this.weight = opts.weight ? floatsFromJSON(name, 'weight', Array.from(opts.weight), n) : r.fillUniform(new Float64Array(n), -bound, bound);
    this.bias = this.useBias ? r.fillUniform(new Float64Array(out), -bound, bound) : new Float64Array(out);
    this.weightGrad = new Float64Array(n);
    this.biasGrad = new Float64Array(out);
  }

  private get padLeft(): number {
    return this.causal ? this.kernelSize - 1 : (this.kernelSize - 1) >> 1;
  }

  forward(x: Matrix): Matrix {
    checkInput(this.name, 'x', x, this.inChannels);
    checkFinite(this.name, 'x', x);
    const { batch: B, T } = sequencesOf(this.name, x.rows, this.seqLen);
    const { groups: G, kernelSize: k, inChannels: C, outChannels: O } = this;
    const cg = C / G;
    const og = O / G;
    const pad = this.padLeft;
    const y = new Float64Array(x.rows * O);
    const cols: M[] = [];
    for (let g = 0; g < G; g++) {
      // cols[(b,t), c*k + j] = x[b, t + j - pad, g*cg + c]
      const cd = new Float64Array(x.rows * cg * k);
      forEachTap(B, T, k, pad, (row, src, j) => {
        const o = row * cg * k + j;
        const xo = src * C + g * cg;
        for (let c = 0; c < cg; c++) cd[o + c * k] = x.data[xo + c]!;
      });
      const colsG: M = { rows: x.rows, cols: cg * k, data: cd };
      cols.push(colsG);
      const Wg: M = { rows: og, cols: cg * k, data: this.weight.subarray(g * og * cg * k, (g + 1) * og * cg * k) };
      const yg = matmul(colsG, Wg, { transB: true }).data;
      for (let r = 0; r < x.rows; r++) {
        for (let o = 0; o < og; o++) y[r * O + g * og + o] = yg[r * og + o]! + this.bias[g * og + o]!;
      }
    }
    this.cache = { cols, B, T, rows: x.rows };
    return { rows: x.rows, cols: O, data: y };
  }

  backward(dy: Matrix): Matrix {
    const c = this.cache;
    if (!c) throw noForward(this.name);
    checkGrad(this.name, dy, c.rows, this.outChannels);
    const { groups: G, kernelSize: k, inChannels: C, outChannels: O } = this;
    const { B, T, rows } = c;
    const cg = C / G;
    const og = O / G;
    const pad = this.padLeft;
    const dx = new Float64Array(rows * C);
    if (this.useBias) for (let r = 0; r < rows; r++) for (let o = 0; o < O; o++) this.biasGrad[o]! += dy.data[r * O + o]!;
    for (let g = 0; g < G; g++) {
      const dyg = new Float64Array(rows * og);
      for (let r = 0; r < rows; r++) for (let o = 0; o < og; o++) dyg[r * og + o] = dy.data[r * O + g * og + o]!;
      const dY: M = { rows, cols: og, data: dyg };
      const off = g * og * cg * k;
      const Wg: M = { rows: og, cols: cg * k, data: this.weight.subarray(off, off + og * cg * k) };
      const gw = matmul(dY, c.cols[g]!, { transA: true }).data;
      for (let i = 0; i < gw.length; i++) this.weightGrad[off + i]! += gw[i]!;
      const dcols = matmul(dY, Wg).data;
      // col2im: the transpose of the gather above.
      forEachTap(B, T, k, pad, (row, src, j) => {
        const o = row * cg * k + j;
        const xo = src * C + g * cg;
        for (let c = 0; c < cg; c++) dx[xo + c]! += dcols[o + c * k]!;
      });
    }
    return { rows, cols: C, data: dx };
  }

  parameters(): Parameter[] {
    const ps: Parameter[] = [{ name: 'weight', value: this.weight, grad: this.weightGrad, shape: [this.outChannels, this.inChannels / this.groups, this.kernelSize] }];
    if (this.useBias) ps.push({ name: 'bias', value: this.bias, grad: this.biasGrad, shape: [this.outChannels] });
    return ps;
  }

  zeroGrad(): void {
    this.weightGrad.fill(0);
    this.biasGrad.fill(0);
  }

  /** `{ type: 'Conv1d', version: 1, config, state: { weight, bias? } }`. */
  toJSON(): ModuleJSON {
    const state: Record<string, Float64Array> = { weight: this.weight };
    if (this.useBias) state.bias = this.bias;
    return envelope(
      'Conv1d',
      {
        inChannels: this.inChannels,
        kernelSize: this.kernelSize,
        outChannels: this.outChannels,
        groups: this.groups,
        causal: this.causal,
        bias: this.useBias,
        seqLen: this.seqLen,
        name: this.name,
      },
      state,
    );
  }

  /** Rebuilds the layer from {@link Conv1d.toJSON} output (exact values). */
  static fromJSON(json: ModuleJSON): Conv1d {
    const { config, state } = readEnvelope('Conv1d.fromJSON', 'Conv1d', json);
    const cfg = config as unknown as { inChannels: number; kernelSize: number } & Conv1dOptions;
    const { inChannels, kernelSize, ...rest } = cfg;
    const conv = new Conv1d(inChannels, kernelSize, { ...rest, depthwise: false, weight: undefined, seed: 0 });
    conv.weight.set(floatsFromJSON('Conv1d.fromJSON', 'weight', state.weight, conv.weight.length));
    if (conv.useBias) conv.bias.set(floatsFromJSON('Conv1d.fromJSON', 'bias', state.bias, conv.outChannels));
    return conv;
  }
}

/** Calls `fn(row, src, j)` for every output row b·T + t, tap j and in-range input row b·T + t + j - pad (zero padding skipped). */
function forEachTap(B: number, T: number, k: number, pad: number, fn: (row: number, src: number, j: number) => void): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < k; j++) {
        const s = t + j - pad;
        if (s >= 0 && s < T) fn(b * T + t, b * T + s, j);
      }
    }
  }
}
