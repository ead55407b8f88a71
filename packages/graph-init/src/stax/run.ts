import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkAlloc, checkRng, describe } from '@x/gpu/checks';
import { isStaxLayer } from './layers';
import type { StaxKernel, StaxLayer, StaxShape, StaxTensor } from './types';

const prod = (a: readonly number[]): number => a.reduce((s, v) => s * v, 1);

/** Throws unless `net` looks like a {@link StaxLayer}. */
export function checkStaxLayer(fn: string, net: unknown): StaxLayer {
  if (!isStaxLayer(net)) throw new DomainError(`${fn}: net must be a stax layer (build one with staxSerial, staxDense, ...), got ${describe(net)}`);
  return net;
}

/** Throws unless `x` is a finite {@link StaxTensor} of shape [N, C], [N, L, C] or [N, H, W, C]. */
export function checkStaxTensor(fn: string, name: string, x: unknown): StaxTensor {
  const t = x as StaxTensor;
  if (t === null || typeof t !== 'object' || !Array.isArray(t.shape) || !(t.data instanceof Float64Array)) {
    throw new ShapeError(`${fn}: ${name} must be { shape: number[], data: Float64Array }, got ${describe(x)}`);
  }
  if (t.shape.length < 2 || t.shape.length > 4) throw new ShapeError(`${fn}: ${name} must have shape [N, C], [N, L, C] or [N, H, W, C], got [${t.shape.join(', ')}]`);
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 1 || d > 1 << 24) throw new ShapeError(`${fn}: ${name} has a bad dimension in shape [${t.shape.join(', ')}]`);
  }
  checkAlloc(fn, name, ...t.shape);
  if (t.data.length !== prod(t.shape)) throw new ShapeError(`${fn}: ${name} has ${t.data.length} entries for shape [${t.shape.join(', ')}]`);
  for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i]!)) throw new DomainError(`${fn}: ${name} contains NaN or Infinity`);
  return t;
}

function checkShapeArg(fn: string, s: unknown): StaxShape {
  if (!Array.isArray(s) || s.length < 1 || s.length > 3 || s.some((d) => !Number.isInteger(d) || d < 1 || d > 1 << 20)) {
    throw new ShapeError(`${fn}: inShape must be [C], [L, C] or [H, W, C] with integer sizes >= 1, got ${describe(s)}`);
  }
  checkAlloc(fn, 'inShape', ...s);
  return s.slice();
}

/** Checks x1 (and x2 when given): finite tensors with the same per-example shape. */
function checkPair(fn: string, x1: StaxTensor, x2: StaxTensor | undefined): void {
  checkStaxTensor(fn, 'x1', x1);
  if (x2 === undefined) return;
  checkStaxTensor(fn, 'x2', x2);
  if (x2.shape.length !== x1.shape.length || x2.shape.some((d, i) => i > 0 && d !== x1.shape[i])) {
    throw new ShapeError(`${fn}: x1 and x2 must share the per-example shape, got [${x1.shape.join(', ')}] and [${x2.shape.join(', ')}]`);
  }
}

function selfCov(x: StaxTensor): Float64Array {
  const N = x.shape[0]!;
  const C = x.shape[x.shape.length - 1]!;
  const S = x.data.length / (N * C);
  const out = new Float64Array(N * S * S);
  for (let i = 0; i < N; i++) {
    for (let p = 0; p < S; p++) {
      for (let q = 0; q < S; q++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += x.data[(i * S + p) * C + c]! * x.data[(i * S + q) * C + c]!;
        out[(i * S + p) * S + q] = s / C;
      }
    }
  }
  return out;
}

function crossCov(a: StaxTensor, b: StaxTensor): Float64Array {
  const C = a.shape[a.shape.length - 1]!;
  const R1 = a.data.length / C;
  const R2 = b.data.length / C;
  const out = new Float64Array(R1 * R2);
  for (let r = 0; r < R1; r++) {
    for (let c2 = 0; c2 < R2; c2++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += a.data[r * C + c]! * b.data[c2 * C + c]!;
      out[r * R2 + c2] = s / C;
    }
  }
  return out;
}

/**
 * The input kernel of neural-tangents (`nngp = x1 x2ᵀ / C` per position pair, `ntk = 0`):
 * where every network's kernel computation starts.
 * @throws ShapeError malformed tensors, x1 and x2 of different per-example shapes;
 * DomainError non-finite entries, a kernel over 2^28 entries.
 */
export function staxInputKernel(x1: StaxTensor, x2?: StaxTensor): StaxKernel {
  const fn = 'staxInputKernel';
  checkPair(fn, x1, x2);
  return inputKernelRaw(fn, x1, x2);
}

function inputKernelRaw(fn: string, x1: StaxTensor, x2?: StaxTensor): StaxKernel {
  const spatial = x1.shape.slice(1, -1);
  const S = prod(spatial);
  const n1 = x1.shape[0]!;
  const n2 = x2 ? x2.shape[0]! : n1;
  checkAlloc(fn, 'the kernel', n1 * S, n2 * S);
  const nngp = crossCov(x1, x2 ?? x1);
  return {
    n1,
    n2,
    spatial,
    channels: x1.shape[x1.shape.length - 1]!,
    nngp: { rows: n1 * S, cols: n2 * S, data: nngp },
    ntk: { rows: n1 * S, cols: n2 * S, data: new Float64Array(nngp.length) },
    cov1: selfCov(x1),
    cov2: x2 ? selfCov(x2) : null,
  };
}

/**
 * The infinite-width NNGP and NTK of `net` between the batches x1 and x2 (x1 with itself when x2
 * is absent): neural-tangents' `kernel_fn(x1, x2, ('nngp', 'ntk'))` for the layers of this API.
 * `nngp` and `ntk` are (n1·S) x (n2·S) with S the output's spatial size (1 after flatten or
 * global pooling). Cost: O(n1 n2 S² · window) per layer.
 * @throws ShapeError malformed tensors or shapes a layer refuses; DomainError a non-layer net,
 * non-finite inputs, a kernel over 2^28 entries.
 */
export function staxKernel(net: StaxLayer, x1: StaxTensor, x2?: StaxTensor): StaxKernel {
  const fn = 'staxKernel';
  checkStaxLayer(fn, net);
  checkPair(fn, x1, x2);
  const out = net.kernel(inputKernelRaw(fn, x1, x2), fn);
  if (Array.isArray(out)) throw new ShapeError(`${fn}: the network ends with ${out.length} branches; join them with staxFanInSum`);
  return out;
}

/** Result of {@link staxInit}. */
export interface StaxInitResult {
  /** Output shape without the batch axis. */
  outShape: StaxShape;
  /** The parameter arrays (weights then bias of each affine layer, in order). */
  params: Float64Array[];
}

/**
 * Draws the parameters of the finite network `net` for inputs of per-example shape `inShape`
 * (`[C]`, `[L, C]` or `[H, W, C]`), seeded.
 * @throws ShapeError a bad shape or one a layer refuses; DomainError a non-layer net, bad seed.
 */
export function staxInit(net: StaxLayer, inShape: StaxShape, seed = 0): StaxInitResult {
  const fn = 'staxInit';
  checkStaxLayer(fn, net);
  const s = checkShapeArg(fn, inShape);
  const r = checkRng(fn, 'seed', seed);
  const o = net.init(r, s, fn);
  if (Array.isArray(o.outShape[0])) throw new ShapeError(`${fn}: the network ends with several branches; join them with staxFanInSum`);
  return { outShape: o.outShape as StaxShape, params: o.params };
}

function checkParams(fn: string, net: StaxLayer, params: unknown): Float64Array[] {
  if (!Array.isArray(params) || params.length !== net.paramCount || params.some((p) => !(p instanceof Float64Array))) {
    throw new ShapeError(`${fn}: params must be the ${net.paramCount} Float64Arrays staxInit returned, got ${describe(params)}`);
  }
  for (const p of params as Float64Array[]) for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i]!)) throw new DomainError(`${fn}: params contain NaN or Infinity`);
  return params as Float64Array[];
}

/**
 * Runs the finite network: `x` of shape [N, ...inShape] → [N, ...outShape].
 * @throws ShapeError params not those of `net`, an input of the wrong shape; DomainError
 * non-finite input or parameters.
 */
export function staxApply(net: StaxLayer, params: Float64Array[], x: StaxTensor): StaxTensor {
  const fn = 'staxApply';
  checkStaxLayer(fn, net);
  checkParams(fn, net, params);
  checkStaxTensor(fn, 'x', x);
  const y = net.forward(params, x, fn).y;
  if (Array.isArray(y)) throw new ShapeError(`${fn}: the network ends with ${y.length} branches; join them with staxFanInSum`);
  return y;
}

/** Result of {@link staxEmpiricalKernels}. */
export interface StaxEmpiricalKernels {
  /** `(1/C) Σ_c f_c(x1_i, p) f_c(x2_j, q)`, (n1·S) x (n2·S). */
  nngp: Matrix<Float64Array>;
  /** `(1/C) Σ_c ⟨∂f_c(x1_i, p)/∂θ, ∂f_c(x2_j, q)/∂θ⟩` over all parameters, (n1·S) x (n2·S). */
  ntk: Matrix<Float64Array>;
}

/** Checked forward passes of x1 and x2 (x1 again when absent) through a network with one output. */
function forwardPair(fn: string, net: StaxLayer, params: Float64Array[], x1: StaxTensor, x2: StaxTensor | undefined): { y1: StaxTensor; y2: StaxTensor } {
  checkStaxLayer(fn, net);
  checkParams(fn, net, params);
  checkPair(fn, x1, x2);
  const y1 = net.forward(params, x1, fn).y;
  const y2 = x2 === undefined ? y1 : net.forward(params, x2, fn).y;
  if (Array.isArray(y1) || Array.isArray(y2)) throw new ShapeError(`${fn}: the network ends with several branches; join them with staxFanInSum`);
  return { y1, y2 };
}

/**
 * The empirical NNGP alone (neural-tangents' `empirical_nngp_fn` with the channel axis traced
 * out): `(1/C) Σ_c f_c(x1_i, p) f_c(x2_j, q)`, (n1·S) x (n2·S). One forward pass per batch.
 * @throws as {@link staxApply}.
 */
export function staxEmpiricalNngp(net: StaxLayer, params: Float64Array[], x1: StaxTensor, x2?: StaxTensor): Matrix<Float64Array> {
  const fn = 'staxEmpiricalNngp';
  const { y1, y2 } = forwardPair(fn, net, params, x1, x2);
  const C = y1.shape[y1.shape.length - 1]!;
  const R1 = y1.data.length / C;
  const R2 = y2.data.length / C;
  return { rows: R1, cols: R2, data: crossCov(y1, y2) };
}

function exampleSlice(x: StaxTensor, i: number): StaxTensor {
  const per = x.data.length / x.shape[0]!;
  return { shape: [1, ...x.shape.slice(1)], data: x.data.subarray(i * per, (i + 1) * per).slice() };
}

function gradVectors(fn: string, net: StaxLayer, params: Float64Array[], x: StaxTensor, total: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < x.shape[0]!; i++) {
    const xi = exampleSlice(x, i);
    const { y, cache } = net.forward(params, xi, fn);
    const yt = y as StaxTensor;
    for (let u = 0; u < yt.data.length; u++) {
      const dy = new Float64Array(yt.data.length);
      dy[u] = 1;
      const { grads } = net.backward(params, cache, { shape: yt.shape.slice(), data: dy }, fn);
      const g = new Float64Array(total);
      let at = 0;
      for (const a of grads) {
        g.set(a, at);
        at += a.length;
      }
      out.push(g);
    }
  }
  return out;
}

/**
 * The empirical NNGP and NTK of one finite network (neural-tangents' `empirical_nngp_fn` and
 * `empirical_ntk_fn` with the channel axis traced out): per-channel output covariance and J Jᵀ
 * averaged over output channels. By Tensor Programs I both tend to {@link staxKernel} with
 * fluctuations O(1/√width). Cost: one forward and (outputs per example) backward passes per
 * example, and a Gram of the gradients; meant for small batches.
 * @throws as {@link staxApply}; DomainError when the gradients would exceed 2^28 entries.
 */
export function staxEmpiricalKernels(net: StaxLayer, params: Float64Array[], x1: StaxTensor, x2?: StaxTensor): StaxEmpiricalKernels {
  const fn = 'staxEmpiricalKernels';
  const { y1, y2 } = forwardPair(fn, net, params, x1, x2);
  const C = y1.shape[y1.shape.length - 1]!;
  const S = y1.data.length / (y1.shape[0]! * C);
  const n1 = y1.shape[0]!;
  const n2 = y2.shape[0]!;
  const total = params.reduce((s, p) => s + p.length, 0);
  checkAlloc(fn, 'the gradients', (n1 + n2) * S * C, Math.max(total, 1));
  const nngp = crossCov(y1, y2);
  const g1 = gradVectors(fn, net, params, x1, total);
  const g2 = x2 === undefined ? g1 : gradVectors(fn, net, params, x2, total);
  const R1 = n1 * S;
  const R2 = n2 * S;
  const ntk = new Float64Array(R1 * R2);
  for (let r = 0; r < R1; r++) {
    for (let c = 0; c < R2; c++) {
      let acc = 0;
      for (let ch = 0; ch < C; ch++) {
        const a = g1[r * C + ch]!;
        const b = g2[c * C + ch]!;
        let s = 0;
        for (let k = 0; k < total; k++) s += a[k]! * b[k]!;
        acc += s;
      }
      ntk[r * R2 + c] = acc / C;
    }
  }
  return { nngp: { rows: R1, cols: R2, data: nngp }, ntk: { rows: R1, cols: R2, data: ntk } };
}
