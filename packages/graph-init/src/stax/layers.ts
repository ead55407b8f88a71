import { DomainError, type Rng, ShapeError } from '@x/gpu';
import { checkInt, checkOptions, checkOneOf, describe } from '@x/gpu/checks';
import { dualActivationRaw, type KernelActivation } from '../kernels/dual';
import { erfRaw } from '../kernels/empirical';
import type {
  StaxAffineOptions,
  StaxConvOptions,
  StaxFlow,
  StaxKernel,
  StaxLayer,
  StaxPadding,
  StaxPoolOptions,
  StaxShape,
  StaxTensor,
} from './types';

const prod = (a: readonly number[]): number => a.reduce((s, v) => s * v, 1);

function single<T>(fn: string, layer: string, v: StaxFlow<T>): T {
  if (Array.isArray(v)) throw new ShapeError(`${fn}: ${layer} takes one input, got a list of ${v.length} (add staxFanInSum or staxParallel)`);
  return v;
}

/** Shapes are arrays themselves: a list of shapes is an array of arrays. */
function singleShape(fn: string, layer: string, v: StaxFlow<StaxShape>): StaxShape {
  if (Array.isArray(v[0])) throw new ShapeError(`${fn}: ${layer} takes one input, got a list of ${v.length} (add staxFanInSum or staxParallel)`);
  return v as StaxShape;
}

function manyShapes(fn: string, layer: string, v: StaxFlow<StaxShape>, n?: number): StaxShape[] {
  if (!Array.isArray(v[0])) throw new ShapeError(`${fn}: ${layer} takes a list of inputs (after staxFanOut), got one`);
  if (n !== undefined && v.length !== n) throw new ShapeError(`${fn}: ${layer} has ${n} branches but got ${v.length} inputs`);
  return v as StaxShape[];
}

function many<T>(fn: string, layer: string, v: StaxFlow<T>, n?: number): T[] {
  if (!Array.isArray(v)) throw new ShapeError(`${fn}: ${layer} takes a list of inputs (after staxFanOut), got one`);
  if (n !== undefined && v.length !== n) throw new ShapeError(`${fn}: ${layer} has ${n} branches but got ${v.length} inputs`);
  return v;
}

// ------------------------------------------------------------------ spatial taps

/** Output shape and tap table of a window op: idx[p·T + t] = input position of tap t at output p, or −1 (padding). */
interface Taps {
  outSpatial: number[];
  idx: Int32Array;
  T: number;
}

function windowTaps(fn: string, layer: string, inSpatial: number[], window: number[], strides: number[], padding: StaxPadding): Taps {
  const d = window.length;
  if (inSpatial.length !== d) {
    throw new ShapeError(`${fn}: ${layer} has a ${d}-D window but the input has ${inSpatial.length} spatial axes`);
  }
  const out: number[] = [];
  const lo: number[] = [];
  for (let a = 0; a < d; a++) {
    const n = inSpatial[a]!;
    const f = window[a]!;
    const s = strides[a]!;
    if (padding === 'VALID') {
      if (n < f) throw new ShapeError(`${fn}: ${layer} window ${f} is larger than the input (${n}) on axis ${a} with VALID padding`);
      out.push(Math.floor((n - f) / s) + 1);
      lo.push(0);
    } else {
      const o = Math.ceil(n / s);
      out.push(o);
      lo.push(Math.floor(Math.max((o - 1) * s + f - n, 0) / 2));
    }
  }
  const S = prod(out);
  const T = prod(window);
  const idx = new Int32Array(S * T);
  const oc = new Array<number>(d).fill(0);
  for (let p = 0; p < S; p++) {
    let rem = p;
    for (let a = d - 1; a >= 0; a--) {
      oc[a] = rem % out[a]!;
      rem = Math.floor(rem / out[a]!);
    }
    for (let t = 0; t < T; t++) {
      let tr = t;
      let pos = 0;
      let ok = true;
      const tc = new Array<number>(d);
      for (let a = d - 1; a >= 0; a--) {
        tc[a] = tr % window[a]!;
        tr = Math.floor(tr / window[a]!);
      }
      for (let a = 0; a < d; a++) {
        const c = oc[a]! * strides[a]! + tc[a]! - lo[a]!;
        if (c < 0 || c >= inSpatial[a]!) ok = false;
        pos = pos * inSpatial[a]! + c;
      }
      idx[p * T + t] = ok ? pos : -1;
    }
  }
  return { outSpatial: out, idx, T };
}

/** All positions as the taps of one output position (global pooling, flatten). */
function allTaps(inSpatial: number[]): Taps {
  const T = prod(inSpatial);
  const idx = new Int32Array(T);
  for (let t = 0; t < T; t++) idx[t] = t;
  return { outSpatial: [], idx, T };
}

/**
 * Maps a block matrix (n1 x n2 blocks of sIn x sIn) through a tap table: `shared` sums the same
 * tap on both sides (weight-shared convolution, flatten): out[p,q] = (1/T) Σ_t src[idx(p,t), idx(q,t)];
 * otherwise every tap pair (pooling): out[p,q] = (1/T²) Σ_{t,u} src[idx(p,t), idx(q,u)].
 */
function mapBlocks(src: Float64Array, n1: number, n2: number, sIn: number, taps: Taps, shared: boolean): Float64Array {
  const { idx, T } = taps;
  const sOut = idx.length / T;
  const colsIn = n2 * sIn;
  const colsOut = n2 * sOut;
  const out = new Float64Array(n1 * sOut * colsOut);
  const scale = shared ? 1 / T : 1 / (T * T);
  for (let i = 0; i < n1; i++) {
    for (let p = 0; p < sOut; p++) {
      for (let j = 0; j < n2; j++) {
        for (let q = 0; q < sOut; q++) {
          let acc = 0;
          for (let t = 0; t < T; t++) {
            const a = idx[p * T + t]!;
            if (a < 0) continue;
            const row = (i * sIn + a) * colsIn + j * sIn;
            if (shared) {
              const b = idx[q * T + t]!;
              if (b >= 0) acc += src[row + b]!;
            } else {
              for (let u = 0; u < T; u++) {
                const b = idx[q * T + u]!;
                if (b >= 0) acc += src[row + b]!;
              }
            }
          }
          out[(i * sOut + p) * colsOut + j * sOut + q] = acc * scale;
        }
      }
    }
  }
  return out;
}

function mapKernel(k: StaxKernel, taps: Taps, shared: boolean, channels: number): StaxKernel {
  const s = prod(k.spatial);
  const sOut = taps.idx.length / taps.T;
  return {
    n1: k.n1,
    n2: k.n2,
    spatial: taps.outSpatial,
    channels,
    nngp: { rows: k.n1 * sOut, cols: k.n2 * sOut, data: mapBlocks(k.nngp.data, k.n1, k.n2, s, taps, shared) },
    ntk: { rows: k.n1 * sOut, cols: k.n2 * sOut, data: mapBlocks(k.ntk.data, k.n1, k.n2, s, taps, shared) },
    cov1: mapBlocks(k.cov1, k.n1, 1, s, taps, shared),
    cov2: k.cov2 === null ? null : mapBlocks(k.cov2, k.n2, 1, s, taps, shared),
  };
}

function tensorSpatial(x: StaxTensor): { N: number; spatial: number[]; C: number; S: number } {
  const N = x.shape[0]!;
  const C = x.shape[x.shape.length - 1]!;
  const spatial = x.shape.slice(1, -1);
  return { N, spatial, C, S: prod(spatial) };
}

// ------------------------------------------------------------------ affine layers

interface AffineConfig {
  wStd: number;
  bStd: number | null;
  standard: boolean;
}

function affineConfig(fn: string, o: StaxAffineOptions, extra: readonly string[] = []): AffineConfig {
  checkOptions(fn, o, ['wStd', 'bStd', 'parameterization', ...extra]);
  const wStd = o.wStd ?? 1;
  if (typeof wStd !== 'number' || !(wStd > 0) || !Number.isFinite(wStd)) throw new DomainError(`${fn}: wStd must be finite and > 0, got ${describe(wStd)}`);
  const bStd = o.bStd ?? null;
  if (bStd !== null && (typeof bStd !== 'number' || !(bStd >= 0) || !Number.isFinite(bStd))) {
    throw new DomainError(`${fn}: bStd must be null or finite and >= 0, got ${describe(bStd)}`);
  }
  const par = checkOneOf(fn, 'parameterization', o.parameterization ?? 'ntk', ['ntk', 'standard'] as const);
  return { wStd, bStd, standard: par === 'standard' };
}

/** The affine kernel update after the spatial map `m` (identity for dense): see {@link staxDense}. */
function affineKernel(k: StaxKernel, c: AffineConfig, fanIn: number, outChannels: number): StaxKernel {
  const w2 = c.wStd * c.wStd;
  const b2 = c.bStd === null ? 0 : c.bStd * c.bStd;
  const nngp = new Float64Array(k.nngp.data.length);
  const ntk = new Float64Array(k.ntk.data.length);
  for (let i = 0; i < nngp.length; i++) {
    const kin = k.nngp.data[i]!;
    nngp[i] = w2 * kin + b2;
    ntk[i] = c.standard ? fanIn * kin + w2 * k.ntk.data[i]! + (c.bStd === null ? 0 : 1) : nngp[i]! + w2 * k.ntk.data[i]!;
  }
  const aff = (v: Float64Array): Float64Array => v.map((x) => w2 * x + b2);
  return {
    ...k,
    channels: outChannels,
    nngp: { rows: k.nngp.rows, cols: k.nngp.cols, data: nngp },
    ntk: { rows: k.ntk.rows, cols: k.ntk.cols, data: ntk },
    cov1: aff(k.cov1),
    cov2: k.cov2 === null ? null : aff(k.cov2),
  };
}

function drawAffine(r: Rng, c: AffineConfig, fanIn: number, nW: number, out: number): Float64Array[] {
  const W = r.fillNormal(new Float64Array(nW));
  const b = c.bStd === null ? new Float64Array(0) : r.fillNormal(new Float64Array(out));
  if (c.standard) {
    const s = c.wStd / Math.sqrt(fanIn);
    for (let i = 0; i < W.length; i++) W[i]! *= s;
    for (let i = 0; i < b.length; i++) b[i]! *= c.bStd!;
  }
  return [W, b];
}

function checkBias(fn: string, layer: string, b: Float64Array, c: AffineConfig, out: number): void {
  const want = c.bStd === null ? 0 : out;
  if (b.length !== want) throw new ShapeError(`${fn}: ${layer} expects a bias of length ${want}, got ${b.length}`);
}

function scales(c: AffineConfig, fanIn: number): { wScale: number; bScale: number } {
  return c.standard ? { wScale: 1, bScale: 1 } : { wScale: c.wStd / Math.sqrt(fanIn), bScale: c.bStd ?? 0 };
}

function checkOut(fn: string, out: unknown): number {
  return checkInt(fn, 'out', out, 1, 1 << 20);
}

/**
 * Dense layer on the channel axis (applied at every spatial position), neural-tangents'
 * `Dense(out, W_std, b_std, parameterization)`. Kernel map, with K, Θ the input kernels:
 * NTK parameterisation `K' = σ_w² K + σ_b²`, `Θ' = K' + σ_w² Θ`; standard parameterisation
 * `K'` the same and `Θ' = C_in K + σ_w² Θ + [bias]` with C_in the declared input width
 * (Jacot et al. 2018; Sohl-Dickstein et al., "On the infinite width limit of neural networks
 * with a standard parameterization", 2020). Finite: W is C_in x out.
 * @throws DomainError out not an integer >= 1, wStd not > 0, bStd < 0, unknown option.
 */
export function staxDense(out: number, opts: StaxAffineOptions = {}): StaxLayer {
  const fn = 'staxDense';
  checkOut(fn, out);
  const c = affineConfig(fn, opts);
  return {
    name: `dense(${out})`,
    paramCount: 2,
    kernel(kf, f) {
      const k = single(f, 'staxDense', kf);
      return affineKernel(k, c, k.channels, out);
    },
    init(r, sh, f) {
      const s = singleShape(f, 'staxDense', sh);
      const C = s[s.length - 1]!;
      return { outShape: [...s.slice(0, -1), out], params: drawAffine(r, c, C, C * out, out) };
    },
    forward(params, xf, f) {
      const x = single(f, 'staxDense', xf);
      const C = x.shape[x.shape.length - 1]!;
      const [W, b] = params as [Float64Array, Float64Array];
      if (W.length !== C * out) throw new ShapeError(`${f}: staxDense expects ${W.length / out} input channels, got ${C}`);
      checkBias(f, 'staxDense', b, c, out);
      const R = x.data.length / C;
      const { wScale, bScale } = scales(c, C);
      const y = new Float64Array(R * out);
      for (let r = 0; r < R; r++) {
        const yo = r * out;
        for (let ci = 0; ci < C; ci++) {
          const v = wScale * x.data[r * C + ci]!;
          if (v === 0) continue;
          const wo = ci * out;
          for (let o = 0; o < out; o++) y[yo + o]! += v * W[wo + o]!;
        }
        if (b.length) for (let o = 0; o < out; o++) y[yo + o]! += bScale * b[o]!;
      }
      return { y: { shape: [...x.shape.slice(0, -1), out], data: y }, cache: x };
    },
    backward(params, cache, dyf, f) {
      const x = cache as StaxTensor;
      const dy = single(f, 'staxDense', dyf);
      const C = x.shape[x.shape.length - 1]!;
      const [W, b] = params as [Float64Array, Float64Array];
      const R = x.data.length / C;
      const { wScale, bScale } = scales(c, C);
      const dW = new Float64Array(W.length);
      const db = new Float64Array(b.length);
      const dx = new Float64Array(x.data.length);
      const xd = x.data;
      const dyd = dy.data;
      for (let r = 0; r < R; r++) {
        const g = dyd.subarray(r * out, (r + 1) * out);
        for (let ci = 0; ci < C; ci++) {
          const xv = wScale * xd[r * C + ci]!;
          const wo = ci * out;
          let acc = 0;
          for (let o = 0; o < out; o++) {
            const gv = g[o]!;
            dW[wo + o]! += xv * gv;
            acc += W[wo + o]! * gv;
          }
          dx[r * C + ci] = wScale * acc;
        }
        if (b.length) for (let o = 0; o < out; o++) db[o]! += bScale * g[o]!;
      }
      return { dx: { shape: x.shape.slice(), data: dx }, grads: [dW, db] };
    },
  };
}

function checkWindow(fn: string, name: string, w: unknown, d?: number): number[] {
  if (!Array.isArray(w) || w.length < 1 || w.length > 2) throw new DomainError(`${fn}: ${name} must be an array of 1 or 2 integers, got ${describe(w)}`);
  if (d !== undefined && w.length !== d) throw new DomainError(`${fn}: ${name} must have ${d} entries (one per spatial axis), got ${w.length}`);
  return w.map((v, i) => checkInt(fn, `${name}[${i}]`, v, 1, 1 << 16));
}

/**
 * 1-D or 2-D convolution with weight sharing (neural-tangents' `Conv`; the filter's length
 * picks the dimension), channels last, SAME/VALID padding (XLA's rule: SAME pads
 * `max((out−1)s + f − n, 0)` with the smaller half first) and strides. Kernel map on the full
 * spatial covariance, with `A(K)[p, q] = (1/|F|) Σ_t K[p·s + t, q·s + t]` (padded taps count as
 * zero, the divisor stays the filter size): NTK parameterisation `K' = σ_w² A(K) + σ_b²`,
 * `Θ' = K' + σ_w² A(Θ)`; standard `Θ' = C_in |F| A(K) + σ_w² A(Θ) + [bias]` (Novak et al.,
 * "Bayesian Deep Convolutional Networks with Many Channels are Gaussian Processes", 2019;
 * Arora et al., "On Exact Computation with an Infinitely Wide Neural Net", 2019).
 * Finite: W is |F|·C_in x out, fan-in C_in·|F|.
 * @throws DomainError out < 1, filter not 1 or 2 integers >= 1, strides of another length, bad padding or option.
 */
export function staxConv(out: number, filter: number[], opts: StaxConvOptions = {}): StaxLayer {
  const fn = 'staxConv';
  checkOut(fn, out);
  const F = checkWindow(fn, 'filter', filter);
  const c = affineConfig(fn, opts, ['strides', 'padding']);
  const strides = opts.strides === undefined ? F.map(() => 1) : checkWindow(fn, 'strides', opts.strides, F.length);
  const padding = checkOneOf(fn, 'padding', opts.padding ?? 'VALID', ['SAME', 'VALID'] as const);
  const T = prod(F);
  const taps = (f: string, sp: number[]): Taps => windowTaps(f, 'staxConv', sp, F, strides, padding);
  return {
    name: `conv(${out}, [${F.join('x')}], ${padding})`,
    paramCount: 2,
    kernel(kf, f) {
      const k = single(f, 'staxConv', kf);
      const m = mapKernel(k, taps(f, k.spatial), true, k.channels);
      return affineKernel(m, c, k.channels * T, out);
    },
    init(r, sh, f) {
      const s = singleShape(f, 'staxConv', sh);
      const C = s[s.length - 1]!;
      const tp = taps(f, s.slice(0, -1));
      return { outShape: [...tp.outSpatial, out], params: drawAffine(r, c, C * T, T * C * out, out) };
    },
    forward(params, xf, f) {
      const x = single(f, 'staxConv', xf);
      const { N, spatial, C, S } = tensorSpatial(x);
      const [W, b] = params as [Float64Array, Float64Array];
      if (W.length !== T * C * out) throw new ShapeError(`${f}: staxConv expects ${W.length / (T * out)} input channels, got ${C}`);
      checkBias(f, 'staxConv', b, c, out);
      const tp = taps(f, spatial);
      const So = tp.idx.length / T;
      const { wScale, bScale } = scales(c, C * T);
      const y = new Float64Array(N * So * out);
      for (let n = 0; n < N; n++) {
        for (let p = 0; p < So; p++) {
          const yo = (n * So + p) * out;
          for (let t = 0; t < T; t++) {
            const a = tp.idx[p * T + t]!;
            if (a < 0) continue;
            const xo = (n * S + a) * C;
            for (let ci = 0; ci < C; ci++) {
              const v = wScale * x.data[xo + ci]!;
              if (v === 0) continue;
              const wo = (t * C + ci) * out;
              for (let o = 0; o < out; o++) y[yo + o]! += v * W[wo + o]!;
            }
          }
          if (b.length) for (let o = 0; o < out; o++) y[yo + o]! += bScale * b[o]!;
        }
      }
      return { y: { shape: [N, ...tp.outSpatial, out], data: y }, cache: { x, tp } };
    },
    backward(params, cache, dyf, f) {
      const { x, tp } = cache as { x: StaxTensor; tp: Taps };
      const dy = single(f, 'staxConv', dyf);
      const { N, C, S } = tensorSpatial(x);
      const [W, b] = params as [Float64Array, Float64Array];
      const So = tp.idx.length / T;
      const { wScale, bScale } = scales(c, C * T);
      const dW = new Float64Array(W.length);
      const db = new Float64Array(b.length);
      const dx = new Float64Array(x.data.length);
      for (let n = 0; n < N; n++) {
        for (let p = 0; p < So; p++) {
          const yo = (n * So + p) * out;
          for (let t = 0; t < T; t++) {
            const a = tp.idx[p * T + t]!;
            if (a < 0) continue;
            const xo = (n * S + a) * C;
            for (let ci = 0; ci < C; ci++) {
              const xv = wScale * x.data[xo + ci]!;
              const wo = (t * C + ci) * out;
              let acc = 0;
              for (let o = 0; o < out; o++) {
                const g = dy.data[yo + o]!;
                dW[wo + o]! += xv * g;
                acc += W[wo + o]! * g;
              }
              dx[xo + ci]! += wScale * acc;
            }
          }
          if (b.length) for (let o = 0; o < out; o++) db[o]! += bScale * dy.data[yo + o]!;
        }
      }
      return { dx: { shape: x.shape.slice(), data: dx }, grads: [dW, db] };
    },
  };
}

// ------------------------------------------------------------------ parameter-free linear layers

/**
 * Average pooling through a tap table: forward `out[p] += in[idx(p, t)]/T`, or its adjoint
 * (`adjoint`: `out[idx(p, t)] += in[p]/T`), per example and channel.
 */
function poolPass(tp: Taps, N: number, S: number, C: number, src: Float64Array, dst: Float64Array, adjoint: boolean): void {
  const { idx, T } = tp;
  const So = idx.length / T;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < So; p++) {
      const yo = (n * So + p) * C;
      for (let t = 0; t < T; t++) {
        const a = idx[p * T + t]!;
        if (a < 0) continue;
        const xo = (n * S + a) * C;
        if (adjoint) for (let ci = 0; ci < C; ci++) dst[xo + ci]! += src[yo + ci]! / T;
        else for (let ci = 0; ci < C; ci++) dst[yo + ci]! += src[xo + ci]! / T;
      }
    }
  }
}

/** A parameter-free linear spatial layer given by a tap table (pooling, flatten). */
function tapLayer(name: string, layer: string, makeTaps: (f: string, sp: number[]) => Taps, shared: boolean, flatten: boolean): StaxLayer {
  return {
    name,
    paramCount: 0,
    kernel(kf, f) {
      const k = single(f, layer, kf);
      const tp = makeTaps(f, k.spatial);
      return mapKernel(k, tp, shared, flatten ? k.channels * tp.T : k.channels);
    },
    init(_r, sh, f) {
      const s = singleShape(f, layer, sh);
      const C = s[s.length - 1]!;
      const tp = makeTaps(f, s.slice(0, -1));
      return { outShape: flatten ? [C * tp.T] : [...tp.outSpatial, C], params: [] };
    },
    forward(_p, xf, f) {
      const x = single(f, layer, xf);
      const { N, spatial, C, S } = tensorSpatial(x);
      const tp = makeTaps(f, spatial);
      if (flatten) return { y: { shape: [N, S * C], data: x.data.slice() }, cache: x.shape };
      const y = new Float64Array(N * (tp.idx.length / tp.T) * C);
      poolPass(tp, N, S, C, x.data, y, false);
      return { y: { shape: [N, ...tp.outSpatial, C], data: y }, cache: { shape: x.shape, tp } };
    },
    backward(_p, cache, dyf, f) {
      const dy = single(f, layer, dyf);
      if (flatten) return { dx: { shape: (cache as number[]).slice(), data: dy.data.slice() }, grads: [] };
      const { shape, tp } = cache as { shape: number[]; tp: Taps };
      const N = shape[0]!;
      const C = shape[shape.length - 1]!;
      const S = prod(shape.slice(1, -1));
      const dx = new Float64Array(N * S * C);
      poolPass(tp, N, S, C, dy.data, dx, true);
      return { dx: { shape: shape.slice(), data: dx }, grads: [] };
    },
  };
}

/**
 * Average pooling over a 1-D or 2-D window (neural-tangents' `AvgPool` with
 * `normalize_edges=False`: padded positions count as zeros). Kernel map `K' = P K Pᵀ` per block
 * pair, where P averages the window: `K'[p, q] = (1/|w|²) Σ_{t,u} K[p·s + t, q·s + u]`; Θ alike.
 * @throws DomainError window not 1 or 2 integers >= 1, strides of another length, bad padding, unknown option.
 */
export function staxAvgPool(window: number[], opts: StaxPoolOptions = {}): StaxLayer {
  const fn = 'staxAvgPool';
  const w = checkWindow(fn, 'window', window);
  checkOptions(fn, opts, ['strides', 'padding']);
  const strides = opts.strides === undefined ? w.slice() : checkWindow(fn, 'strides', opts.strides, w.length);
  const padding = checkOneOf(fn, 'padding', opts.padding ?? 'VALID', ['SAME', 'VALID'] as const);
  return tapLayer(`avgPool([${w.join('x')}])`, fn, (f, sp) => windowTaps(f, fn, sp, w, strides, padding), false, false);
}

function requireSpatial(f: string, layer: string, sp: number[]): number[] {
  if (sp.length === 0) throw new ShapeError(`${f}: ${layer} needs an input with spatial axes ([N, L, C] or [N, H, W, C])`);
  return sp;
}

/**
 * Mean over all spatial positions (neural-tangents' `GlobalAvgPool`): `[N, ..., C] → [N, C]`,
 * `K'(x, x') = (1/S²) Σ_{p,q} K(x_p, x'_q)`; Θ alike.
 * @throws ShapeError (when run) an input without spatial axes.
 */
export function staxGlobalAvgPool(): StaxLayer {
  const fn = 'staxGlobalAvgPool';
  return tapLayer('globalAvgPool', fn, (f, sp) => allTaps(requireSpatial(f, fn, sp)), false, false);
}

/**
 * Flattens spatial axes and channels, `[N, ..., C] → [N, S·C]` (neural-tangents' `Flatten`):
 * kernels keep only matching positions, `K'(x, x') = (1/S) Σ_p K(x_p, x'_p)`, so a following
 * dense layer with fan-in S·C sees the right scale. A flat input passes unchanged.
 */
export function staxFlatten(): StaxLayer {
  return tapLayer('flatten', 'staxFlatten', (_f, sp) => allTaps(sp), true, true);
}

// ------------------------------------------------------------------ elementwise

function rowVar(cov: Float64Array, S: number, i: number, p: number): number {
  return cov[(i * S + p) * S + p]!;
}

function activationKernel(k: StaxKernel, act: KernelActivation): StaxKernel {
  const S = prod(k.spatial);
  const c2 = k.cov2 ?? k.cov1;
  const nngp = new Float64Array(k.nngp.data.length);
  const ntk = new Float64Array(k.ntk.data.length);
  const cols = k.n2 * S;
  for (let i = 0; i < k.n1; i++) {
    for (let p = 0; p < S; p++) {
      const v1 = rowVar(k.cov1, S, i, p);
      for (let j = 0; j < k.n2; j++) {
        for (let q = 0; q < S; q++) {
          const at = (i * S + p) * cols + j * S + q;
          const { ephi, edphi } = dualActivationRaw(act, v1, rowVar(c2, S, j, q), k.nngp.data[at]!);
          nngp[at] = ephi;
          ntk[at] = edphi * k.ntk.data[at]!;
        }
      }
    }
  }
  const self = (cov: Float64Array, n: number): Float64Array => {
    const o = new Float64Array(cov.length);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < S; p++) {
        for (let q = 0; q < S; q++) {
          const at = (i * S + p) * S + q;
          o[at] = dualActivationRaw(act, rowVar(cov, S, i, p), rowVar(cov, S, i, q), cov[at]!).ephi;
        }
      }
    }
    return o;
  };
  return {
    ...k,
    nngp: { rows: k.nngp.rows, cols: k.nngp.cols, data: nngp },
    ntk: { rows: k.ntk.rows, cols: k.ntk.cols, data: ntk },
    cov1: self(k.cov1, k.n1),
    cov2: k.cov2 === null ? null : self(k.cov2, k.n2),
  };
}

function elementwise(act: KernelActivation, phi: (x: number) => number, dphi: (x: number) => number): StaxLayer {
  const layer = `stax${act[0]!.toUpperCase()}${act.slice(1)}`;
  return {
    name: act,
    paramCount: 0,
    kernel: (kf, f) => activationKernel(single(f, layer, kf), act),
    init: (_r, sh, f) => ({ outShape: singleShape(f, layer, sh).slice(), params: [] }),
    forward(_p, xf, f) {
      const x = single(f, layer, xf);
      return { y: { shape: x.shape.slice(), data: x.data.map(phi) }, cache: x };
    },
    backward(_p, cache, dyf, f) {
      const x = cache as StaxTensor;
      const dy = single(f, layer, dyf);
      const dx = new Float64Array(x.data.length);
      for (let i = 0; i < dx.length; i++) dx[i] = dy.data[i]! * dphi(x.data[i]!);
      return { dx: { shape: x.shape.slice(), data: dx }, grads: [] };
    },
  };
}

/** ReLU; kernel by the arc-cosine formulas (Cho & Saul 2009), see {@link dualActivation}. */
export function staxRelu(): StaxLayer {
  return elementwise('relu', (x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0));
}

/** erf; kernel by Williams' arcsine formula (1997), see {@link dualActivation}. */
export function staxErf(): StaxLayer {
  return elementwise('erf', erfRaw, (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
}

/** Exact GELU `x Φ(x)`; kernel by the closed form of Tsuchida et al. (2021), see {@link dualActivation}. */
export function staxGelu(): StaxLayer {
  const c = 1 / Math.sqrt(2 * Math.PI);
  return elementwise(
    'gelu',
    (x) => 0.5 * x * (1 + erfRaw(x / Math.SQRT2)),
    (x) => 0.5 * (1 + erfRaw(x / Math.SQRT2)) + c * x * Math.exp(-0.5 * x * x),
  );
}

/** Options of {@link staxLayerNorm}. */
export interface StaxLayerNormOptions {
  /** Added to the variance in the finite layer (default 1e-12, as neural-tangents). */
  eps?: number;
}

/**
 * Layer normalisation over the channel axis at every position, without affine parameters
 * (neural-tangents' `LayerNorm(axis=-1)`): finite `y = (x − mean_c x)/√(var_c x + eps)`;
 * infinite width: the channel mean vanishes and the variance is the kernel's diagonal, so
 * `K'(x_p, x'_q) = K(x_p, x'_q)/√(K(x_p, x_p) K(x'_q, x'_q))` and Θ' = Θ with the same divisor.
 * @throws DomainError eps not finite >= 0, unknown option.
 */
export function staxLayerNorm(opts: StaxLayerNormOptions = {}): StaxLayer {
  const fn = 'staxLayerNorm';
  checkOptions(fn, opts, ['eps']);
  const eps = opts.eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new DomainError(`${fn}: eps must be finite and >= 0, got ${describe(eps)}`);
  return {
    name: 'layerNorm',
    paramCount: 0,
    kernel(kf, f) {
      const k = single(f, fn, kf);
      const S = prod(k.spatial);
      const c2 = k.cov2 ?? k.cov1;
      const inv = (cov: Float64Array, n: number): Float64Array => {
        const o = new Float64Array(n * S);
        for (let i = 0; i < n; i++) for (let p = 0; p < S; p++) o[i * S + p] = 1 / Math.sqrt(Math.max(rowVar(cov, S, i, p), 1e-300));
        return o;
      };
      const s1 = inv(k.cov1, k.n1);
      const s2 = inv(c2, k.n2);
      const nngp = new Float64Array(k.nngp.data.length);
      const ntk = new Float64Array(k.ntk.data.length);
      const cols = k.n2 * S;
      for (let r = 0; r < k.n1 * S; r++) {
        for (let cI = 0; cI < cols; cI++) {
          const sc = s1[r]! * s2[cI]!;
          nngp[r * cols + cI] = k.nngp.data[r * cols + cI]! * sc;
          ntk[r * cols + cI] = k.ntk.data[r * cols + cI]! * sc;
        }
      }
      const self = (cov: Float64Array, n: number, s: Float64Array): Float64Array => {
        const o = new Float64Array(cov.length);
        for (let i = 0; i < n; i++) {
          for (let p = 0; p < S; p++) for (let q = 0; q < S; q++) o[(i * S + p) * S + q] = cov[(i * S + p) * S + q]! * s[i * S + p]! * s[i * S + q]!;
        }
        return o;
      };
      return {
        ...k,
        nngp: { rows: k.nngp.rows, cols: k.nngp.cols, data: nngp },
        ntk: { rows: k.ntk.rows, cols: k.ntk.cols, data: ntk },
        cov1: self(k.cov1, k.n1, s1),
        cov2: k.cov2 === null ? null : self(k.cov2, k.n2, s2),
      };
    },
    init: (_r, sh, f) => ({ outShape: singleShape(f, fn, sh).slice(), params: [] }),
    forward(_p, xf, f) {
      const x = single(f, fn, xf);
      const C = x.shape[x.shape.length - 1]!;
      const R = x.data.length / C;
      const y = new Float64Array(x.data.length);
      const invStd = new Float64Array(R);
      for (let r = 0; r < R; r++) {
        let m = 0;
        for (let c = 0; c < C; c++) m += x.data[r * C + c]!;
        m /= C;
        let v = 0;
        for (let c = 0; c < C; c++) v += (x.data[r * C + c]! - m) ** 2;
        v /= C;
        const is = 1 / Math.sqrt(v + eps);
        if (!Number.isFinite(is)) throw new DomainError(`${f}: staxLayerNorm got a constant channel vector with eps = 0`);
        invStd[r] = is;
        for (let c = 0; c < C; c++) y[r * C + c] = (x.data[r * C + c]! - m) * is;
      }
      return { y: { shape: x.shape.slice(), data: y }, cache: { y, invStd, shape: x.shape } };
    },
    backward(_p, cache, dyf, f) {
      const { y, invStd, shape } = cache as { y: Float64Array; invStd: Float64Array; shape: number[] };
      const dy = single(f, fn, dyf);
      const C = shape[shape.length - 1]!;
      const R = y.length / C;
      const dx = new Float64Array(y.length);
      for (let r = 0; r < R; r++) {
        let mg = 0;
        let mgy = 0;
        for (let c = 0; c < C; c++) {
          mg += dy.data[r * C + c]!;
          mgy += dy.data[r * C + c]! * y[r * C + c]!;
        }
        mg /= C;
        mgy /= C;
        for (let c = 0; c < C; c++) dx[r * C + c] = invStd[r]! * (dy.data[r * C + c]! - mg - y[r * C + c]! * mgy);
      }
      return { dx: { shape: shape.slice(), data: dx }, grads: [] };
    },
  };
}

// ------------------------------------------------------------------ combinators

/** Whether `v` has the {@link StaxLayer} protocol (what the combinators and runners accept). */
export function isStaxLayer(v: unknown): v is StaxLayer {
  const o = v as StaxLayer;
  return (
    o !== null &&
    typeof o === 'object' &&
    typeof o.kernel === 'function' &&
    typeof o.forward === 'function' &&
    typeof o.init === 'function' &&
    typeof o.backward === 'function' &&
    Number.isInteger(o.paramCount) &&
    o.paramCount >= 0 &&
    o.paramCount <= 1 << 20
  );
}

function checkLayers(fn: string, layers: unknown[]): StaxLayer[] {
  if (layers.length === 0) throw new DomainError(`${fn}: needs at least one layer`);
  layers.forEach((l, i) => {
    if (!isStaxLayer(l)) throw new DomainError(`${fn}: argument ${i} is not a stax layer (build one with staxDense, staxRelu, ...), got ${describe(l)}`);
  });
  return layers as StaxLayer[];
}

function splitParams(layers: StaxLayer[], params: Float64Array[]): Float64Array[][] {
  const out: Float64Array[][] = [];
  let at = 0;
  for (const l of layers) {
    out.push(params.slice(at, at + l.paramCount));
    at += l.paramCount;
  }
  return out;
}

/**
 * Layers in sequence (neural-tangents' `serial`): kernels, shapes, parameters and the forward
 * and backward passes compose in order; the parameters are the layers' arrays concatenated.
 * @throws DomainError no layers, an argument that is not a layer.
 */
export function staxSerial(...layers: StaxLayer[]): StaxLayer {
  const ls = checkLayers('staxSerial', layers);
  return {
    name: `serial(${ls.map((l) => l.name).join(', ')})`,
    paramCount: ls.reduce((s, l) => s + l.paramCount, 0),
    kernel(k, f) {
      let cur = k;
      for (const l of ls) cur = l.kernel(cur, f);
      return cur;
    },
    init(r, sh, f) {
      let cur = sh;
      const params: Float64Array[] = [];
      for (const l of ls) {
        const o = l.init(r, cur, f);
        cur = o.outShape;
        params.push(...o.params);
      }
      return { outShape: cur, params };
    },
    forward(params, x, f) {
      const ps = splitParams(ls, params);
      const caches: unknown[] = [];
      let cur = x;
      ls.forEach((l, i) => {
        const o = l.forward(ps[i]!, cur, f);
        caches.push(o.cache);
        cur = o.y;
      });
      return { y: cur, cache: caches };
    },
    backward(params, cache, dy, f) {
      const ps = splitParams(ls, params);
      const caches = cache as unknown[];
      const grads: Float64Array[][] = new Array(ls.length);
      let cur = dy;
      for (let i = ls.length - 1; i >= 0; i--) {
        const o = ls[i]!.backward(ps[i]!, caches[i], cur, f);
        grads[i] = o.grads;
        cur = o.dx;
      }
      return { dx: cur, grads: grads.flat() };
    },
  };
}

/**
 * Applies the i-th layer to the i-th input of a list (neural-tangents' `parallel`), e.g. the two
 * branches of a residual block after {@link staxFanOut}.
 * @throws DomainError no layers, an argument that is not a layer.
 */
export function staxParallel(...layers: StaxLayer[]): StaxLayer {
  const fn = 'staxParallel';
  const ls = checkLayers(fn, layers);
  return {
    name: `parallel(${ls.map((l) => l.name).join(', ')})`,
    paramCount: ls.reduce((s, l) => s + l.paramCount, 0),
    kernel: (k, f) => many(f, fn, k, ls.length).map((ki, i) => single(f, fn, ls[i]!.kernel(ki, f))),
    init(r, sh, f) {
      const shapes = manyShapes(f, fn, sh, ls.length);
      const outs = ls.map((l, i) => l.init(r, shapes[i]!, f));
      return { outShape: outs.map((o) => singleShape(f, fn, o.outShape)), params: outs.flatMap((o) => o.params) };
    },
    forward(params, x, f) {
      const xs = many(f, fn, x, ls.length);
      const ps = splitParams(ls, params);
      const outs = ls.map((l, i) => l.forward(ps[i]!, xs[i]!, f));
      return { y: outs.map((o) => single(f, fn, o.y)), cache: outs.map((o) => o.cache) };
    },
    backward(params, cache, dy, f) {
      const dys = many(f, fn, dy, ls.length);
      const ps = splitParams(ls, params);
      const outs = ls.map((l, i) => l.backward(ps[i]!, (cache as unknown[])[i], dys[i]!, f));
      return { dx: outs.map((o) => single(f, fn, o.dx)), grads: outs.flatMap((o) => o.grads) };
    },
  };
}

/**
 * Copies its input into `branches` outputs (neural-tangents' `FanOut`); the backward pass sums
 * the branches' gradients.
 * @throws DomainError branches not an integer in [1, 64].
 */
export function staxFanOut(branches: number): StaxLayer {
  const fn = 'staxFanOut';
  const n = checkInt(fn, 'branches', branches, 1, 64);
  return {
    name: `fanOut(${n})`,
    paramCount: 0,
    kernel: (k, f) => new Array<StaxKernel>(n).fill(single(f, fn, k)),
    init: (_r, sh, f) => ({ outShape: new Array<StaxShape>(n).fill(singleShape(f, fn, sh)), params: [] }),
    forward: (_p, x, f) => ({ y: new Array<StaxTensor>(n).fill(single(f, fn, x)), cache: null }),
    backward(_p, _c, dy, f) {
      const dys = many(f, fn, dy, n);
      const dx = dys[0]!.data.slice();
      for (let b = 1; b < n; b++) for (let i = 0; i < dx.length; i++) dx[i]! += dys[b]!.data[i]!;
      return { dx: { shape: dys[0]!.shape.slice(), data: dx }, grads: [] };
    },
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Sums a list of inputs (neural-tangents' `FanInSum`, the join of a residual block). Kernels add:
 * `K' = Σ_b K_b`, `Θ' = Σ_b Θ_b`, exact when the branches are uncorrelated in the limit, i.e.
 * every branch but at most one ends in a layer with fresh zero-mean weights (x + f(x) with f
 * ending in a dense or conv layer).
 * @throws ShapeError (when run) inputs of different shapes.
 */
export function staxFanInSum(): StaxLayer {
  const fn = 'staxFanInSum';
  return {
    name: 'fanInSum',
    paramCount: 0,
    kernel(kf, f) {
      const ks = many(f, fn, kf);
      const k0 = ks[0]!;
      for (const k of ks) {
        if (!sameShape(k.spatial, k0.spatial) || k.nngp.data.length !== k0.nngp.data.length) throw new ShapeError(`${f}: staxFanInSum got branches of different spatial shapes`);
      }
      const sum = (get: (k: StaxKernel) => Float64Array): Float64Array => {
        const o = get(k0).slice();
        for (let b = 1; b < ks.length; b++) {
          const v = get(ks[b]!);
          for (let i = 0; i < o.length; i++) o[i]! += v[i]!;
        }
        return o;
      };
      return {
        ...k0,
        nngp: { rows: k0.nngp.rows, cols: k0.nngp.cols, data: sum((k) => k.nngp.data) },
        ntk: { rows: k0.ntk.rows, cols: k0.ntk.cols, data: sum((k) => k.ntk.data) },
        cov1: sum((k) => k.cov1),
        cov2: k0.cov2 === null ? null : sum((k) => k.cov2!),
      };
    },
    init(_r, sh, f) {
      const shapes = manyShapes(f, fn, sh);
      for (const s of shapes) if (!sameShape(s, shapes[0]!)) throw new ShapeError(`${f}: staxFanInSum got branches of shapes [${shapes.map((x) => x.join(',')).join('] and [')}]`);
      return { outShape: shapes[0]!.slice(), params: [] };
    },
    forward(_p, xf, f) {
      const xs = many(f, fn, xf);
      for (const x of xs) if (!sameShape(x.shape, xs[0]!.shape)) throw new ShapeError(`${f}: staxFanInSum got branches of different shapes`);
      const y = xs[0]!.data.slice();
      for (let b = 1; b < xs.length; b++) for (let i = 0; i < y.length; i++) y[i]! += xs[b]!.data[i]!;
      return { y: { shape: xs[0]!.shape.slice(), data: y }, cache: xs.length };
    },
    backward(_p, cache, dyf, f) {
      const dy = single(f, fn, dyf);
      return { dx: Array.from({ length: cache as number }, () => ({ shape: dy.shape.slice(), data: dy.data.slice() })), grads: [] };
    },
  };
}

/** The identity (neural-tangents' `Identity`): the skip branch of a residual block. */
export function staxIdentity(): StaxLayer {
  return {
    name: 'identity',
    paramCount: 0,
    kernel: (k) => k,
    init: (_r, sh) => ({ outShape: sh, params: [] }),
    forward: (_p, x) => ({ y: x, cache: null }),
    backward: (_p, _c, dy) => ({ dx: dy, grads: [] }),
  };
}
