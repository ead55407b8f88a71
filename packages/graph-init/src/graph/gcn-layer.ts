import { assertMatrix, DomainError, type EncodedArray, encodeArray, type Matrix, matmul, ShapeError, StateReader } from '@x/gpu';
import { type Module, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { checkAlloc, checkBoolean, checkFinite, checkNonNegative, checkOptions, checkRng, checkSize } from '@x/gpu/checks';
import { type Csr, checkCsr, csrTranspose, spmm, spmmInto } from './csr';

/** A trainable tensor: @x/nn's `Parameter`. */
export type GraphParameter = Parameter;

/** Options of {@link GcnLayer}. */
export interface GcnLayerOptions {
  /** Seed of the weight draw (default 0). */
  seed?: number;
  /**
   * Weight variance; weights are drawn `U(±√(3·variance))` as in Virgo's code (spec §5a).
   * Default `1/inFeatures` (LeCun). Use {@link virgoInit}, {@link kaimingVariance} or
   * {@link xavierVariance} to pick it.
   */
  variance?: number;
  /** Explicit weights (out x in), copied; overrides `variance`. */
  weight?: Matrix;
  /** Add a bias (default false: Virgo's analysis assumes none). */
  bias?: boolean;
}

/** A {@link Csr} as saved: `n`, and `indptr`/`indices` (int32) and `values` (float64) bit-exact. */
export interface CsrJSON {
  n: number;
  indptr: EncodedArray;
  indices: EncodedArray;
  values: EncodedArray;
}

/** What {@link GcnLayer.toJSON} returns: the `@x` state envelope (sizes as config; weight, bias and the propagation matrix as state). */
export type GcnLayerJSON = ModuleStateJSON<'GcnLayer', { inFeatures: number; outFeatures: number }, { weight: EncodedArray; bias: EncodedArray | null; adjacency: CsrJSON }>;

/** Saves a CSR matrix bit-exactly (internal). */
export function csrToJSON(a: Csr): CsrJSON {
  return { n: a.n, indptr: encodeArray(a.indptr), indices: encodeArray(a.indices), values: encodeArray(a.values) };
}

/**
 * Reads a saved CSR matrix and checks it is one: `indptr` has n + 1 non-decreasing entries from 0
 * to nnz, every column index is in [0, n) and every value is finite (the unversioned format's
 * number arrays are read too).
 */
export function csrFromJSON(r: StateReader, key: string): Csr {
  const src = r.object(key);
  const raw = new StateReader(r.fn, { ...src.obj }, src.path);
  const legacy = (k: string, int: boolean): void => {
    const v = raw.obj[k];
    if (Array.isArray(v) && v.every((x) => typeof x === 'number' && (!int || Number.isInteger(x)))) raw.obj[k] = encodeArray(int ? Int32Array.from(v) : Float64Array.from(v));
  };
  legacy('indptr', true);
  legacy('indices', true);
  legacy('values', false);
  const n = raw.int('n', 1);
  const indptr = raw.i32('indptr', { length: n + 1, min: 0 });
  const nnz = indptr[n]!;
  if (indptr[0] !== 0 || indptr.some((v, i) => i > 0 && v < indptr[i - 1]!)) {
    throw new DomainError(`${r.fn}: ${key}.indptr must rise from 0 to nnz without decreasing`);
  }
  const indices = raw.i32('indices', { length: nnz, min: 0, max: n });
  const values = raw.f64('values', { length: nnz, finite: true });
  return { n, indptr, indices, values };
}

/**
 * One graph-convolution layer `Y = Â X Wᵀ (+ b)` (Kipf & Welling 2017, eq. 2, without the
 * nonlinearity), with `Â` a sparse CSR propagation matrix (usually {@link normalizedAdjacency}).
 * Rows of X are nodes. Implements @x/nn's module interface: `backward(dY)` returns
 * `dX = Âᵀ dY W` and adds `dW = dYᵀ (Â X)`, `db = 1ᵀ dY` into the parameter gradients.
 * Cost per pass: O(nnz·min(in, out) + N·in·out).
 */
export class GcnLayer implements Module {
  readonly adjacency: Csr;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** out x in, row-major; shares storage with `parameters()[0].value`. */
  readonly weight: Matrix<Float64Array>;
  readonly bias: Float64Array | null;
  private readonly gW: Float64Array;
  private readonly gB: Float64Array | null;
  private readonly adjT: Csr;
  private cachedAX: Matrix<Float64Array> | null = null;
  // Preallocated intermediates (never handed out): Â X alternates between two buffers, so that
  // a forward that fails leaves the previous pass's Â X (what backward reads) intact; backward
  // uses the other one as scratch for dY W, and gWTmp for dYᵀ(Â X). Results returned to the
  // caller stay fresh (they are the caller's to keep).
  private axBuf: [Float64Array, Float64Array] | null = null;
  private readonly gWTmp: Matrix<Float64Array>;

  constructor(adjacency: Csr, inFeatures: number, outFeatures: number, opts: GcnLayerOptions = {}) {
    const fn = 'GcnLayer';
    checkCsr(fn, 'adjacency', adjacency);
    checkSize(fn, 'inFeatures', inFeatures, 1);
    checkSize(fn, 'outFeatures', outFeatures, 1);
    checkAlloc(fn, 'the weight', outFeatures, inFeatures);
    checkOptions(fn, opts, ['seed', 'variance', 'weight', 'bias']);
    const bias = checkBoolean(fn, 'bias', opts.bias ?? false);
    this.adjacency = adjacency;
    this.adjT = csrTranspose(adjacency);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const w = new Float64Array(inFeatures * outFeatures);
    if (opts.weight) {
      assertMatrix('GcnLayer', 'weight', opts.weight);
      if (opts.weight.rows !== outFeatures || opts.weight.cols !== inFeatures) {
        throw new ShapeError(`GcnLayer: weight is ${opts.weight.rows}x${opts.weight.cols}, expected ${outFeatures}x${inFeatures}`);
      }
      checkFinite(fn, 'weight', opts.weight, 'weights must be finite');
      w.set(opts.weight.data);
    } else {
      const v = checkNonNegative(fn, 'variance', opts.variance ?? 1 / inFeatures);
      checkRng(fn, 'seed', opts.seed ?? 0).fillUniform(w, -Math.sqrt(3 * v), Math.sqrt(3 * v));
    }
    this.weight = { rows: outFeatures, cols: inFeatures, data: w };
    this.gW = new Float64Array(w.length);
    this.gWTmp = { rows: outFeatures, cols: inFeatures, data: new Float64Array(w.length) };
    this.bias = bias ? new Float64Array(outFeatures) : null;
    this.gB = bias ? new Float64Array(outFeatures) : null;
  }

  forward(x: Matrix): Matrix<Float64Array> {
    assertMatrix('GcnLayer', 'x', x);
    if (x.rows !== this.adjacency.n || x.cols !== this.inFeatures) {
      throw new ShapeError(`GcnLayer: x is ${x.rows}x${x.cols}, expected ${this.adjacency.n}x${this.inFeatures} (nodes x features)`);
    }
    const ax = spmmInto(this.adjacency, x, this.spareBuffer());
    const y = matmul(ax, this.weight, { transB: true }) as Matrix<Float64Array>;
    // The bias pass also sums v − v over the output (0 unless an entry is not finite); only
    // then are x, the weight and the bias searched for the entry to name (an overflow from
    // finite operands is returned as computed).
    let bad = 0;
    const o = this.outFeatures;
    const b = this.bias;
    for (let i = 0; i < y.rows; i++) {
      for (let j = 0; j < o; j++) {
        const v = b ? (y.data[i * o + j]! += b[j]!) : y.data[i * o + j]!;
        bad += v - v;
      }
    }
    if (bad !== 0) {
      checkFinite('GcnLayer', 'x', x);
      checkFinite('GcnLayer', 'weight', this.weight, 'weights must be finite');
      if (b) checkFinite('GcnLayer', 'bias', b, 'weights must be finite');
    }
    this.cachedAX = ax;
    return y;
  }

  backward(dy: Matrix): Matrix<Float64Array> {
    const ax = this.cachedAX;
    if (!ax) throw new DomainError('GcnLayer: backward called before forward');
    assertMatrix('GcnLayer', 'dy', dy);
    if (dy.rows !== ax.rows || dy.cols !== this.outFeatures) {
      throw new ShapeError(`GcnLayer: dy is ${dy.rows}x${dy.cols}, expected ${ax.rows}x${this.outFeatures}`);
    }
    // The products go into preallocated buffers (the same bits as fresh ones: out is zeroed
    // first); the gradients are touched only after both products are done.
    const gw = matmul(dy, ax, { transA: true, out: this.gWTmp });
    const dyW = matmul(dy, this.weight, { out: { rows: ax.rows, cols: this.inFeatures, data: this.spareBuffer() } });
    for (let i = 0; i < this.gW.length; i++) this.gW[i]! += gw.data[i]!;
    if (this.gB) {
      const o = this.outFeatures;
      for (let i = 0; i < dy.rows; i++) for (let j = 0; j < o; j++) this.gB[j]! += dy.data[i * o + j]!;
    }
    return spmm(this.adjT, dyW);
  }

  /** The Â X buffer that the cached pass does not use. */
  private spareBuffer(): Float64Array {
    const n = this.adjacency.n * this.inFeatures;
    const b = (this.axBuf ??= [new Float64Array(n), new Float64Array(n)]);
    return this.cachedAX?.data === b[0] ? b[1] : b[0];
  }

  parameters(): GraphParameter[] {
    const ps: GraphParameter[] = [{ name: 'weight', value: this.weight.data, grad: this.gW, shape: [this.outFeatures, this.inFeatures] }];
    if (this.bias && this.gB) ps.push({ name: 'bias', value: this.bias, grad: this.gB, shape: [this.outFeatures] });
    return ps;
  }

  zeroGrad(): void {
    this.gW.fill(0);
    this.gB?.fill(0);
  }

  /** The state envelope: sizes as `config`; weight, bias (or null) and the propagation matrix, bit-exact, as `state`. */
  toJSON(): GcnLayerJSON {
    return moduleJSON(
      'GcnLayer',
      { inFeatures: this.inFeatures, outFeatures: this.outFeatures },
      { weight: encodeArray(this.weight.data), bias: this.bias ? encodeArray(this.bias) : null, adjacency: csrToJSON(this.adjacency) },
    );
  }

  /**
   * Rebuilds a layer from {@link GcnLayer.toJSON} (or the unversioned format of earlier
   * releases). Every field is checked, the propagation matrix included (a truncated `indices`
   * is a ShapeError); a DomainError or ShapeError names the field.
   */
  static fromJSON(json: GcnLayerJSON): GcnLayer {
    const r = readModuleJSON('GcnLayer.fromJSON', 'GcnLayer', json);
    const inF = r.int('inFeatures', 1);
    const outF = r.int('outFeatures', 1);
    const adj = csrFromJSON(r, 'adjacency');
    const weight = r.f64('weight', { length: inF * outF, finite: true });
    const hasBias = r.raw('bias') !== null && r.raw('bias') !== undefined;
    const layer = new GcnLayer(adj, inF, outF, { weight: { rows: outF, cols: inF, data: weight }, bias: hasBias });
    if (hasBias && layer.bias) layer.bias.set(r.f64('bias', { length: outF, finite: true }));
    return layer;
  }
}
