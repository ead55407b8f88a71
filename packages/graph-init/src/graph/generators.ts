import { ConvergenceError, DomainError, type Rng } from '@x/gpu';
import { checkInt, checkOptions, checkRng, checkUnit, MAX_ELEMENTS } from '@x/gpu/checks';
import type { EdgeList } from './csr';

function checkProb(fn: string, name: string, p: number): void {
  checkUnit(fn, name, p);
}

/**
 * Largest node count the generators accept: 2^24. Their edge lists are built in plain arrays
 * and Erdős–Rényi's skip walk visits O(n + edges), so larger graphs would not fit in memory.
 */
const MAX_NODES = 2 ** 24;

/** Refuses a graph whose expected edge count would not fit in memory (before generating it). */
function checkEdges(fn: string, expected: number): void {
  if (expected > MAX_ELEMENTS) {
    throw new DomainError(`${fn}: the graph would have about ${Math.round(expected)} edges, more than the maximum ${MAX_ELEMENTS} (2^28)`);
  }
}

function checkN(fn: string, n: number): void {
  checkInt(fn, 'n', n, 0, MAX_NODES);
}

function resolveRng(seed: number | Rng | undefined, fn = 'generator'): Rng {
  return checkRng(fn, 'seed', seed ?? 0);
}

/**
 * Erdős–Rényi G(n, p): every unordered pair {i, j}, i < j, is an edge independently with
 * probability p (Erdős & Rényi 1959). Uses geometric skips (Batagelj & Brandes 2005), so the
 * cost is O(n + E) rather than O(n²). Edges are listed once, with i < j.
 */
export function erdosRenyi(n: number, p: number, opts: { seed?: number | Rng } = {}): EdgeList {
  checkN('erdosRenyi', n);
  checkProb('erdosRenyi', 'p', p);
  opts = checkOptions('erdosRenyi', opts, ['seed']);
  checkEdges('erdosRenyi', (p * n * (n - 1)) / 2);
  const r = resolveRng(opts.seed, 'erdosRenyi');
  const src: number[] = [];
  const dst: number[] = [];
  if (p > 0) {
    const lq = Math.log(1 - p);
    // Walk the strictly-lower triangle (v > w) in row order.
    let v = 1;
    let w = -1;
    while (v < n) {
      const skip = p >= 1 ? 0 : Math.floor(Math.log(1 - r.uniform()) / lq);
      w += 1 + skip;
      while (w >= v && v < n) {
        w -= v;
        v++;
      }
      if (v < n) {
        src.push(w);
        dst.push(v);
      }
    }
  }
  return { n, src: Int32Array.from(src), dst: Int32Array.from(dst) };
}

/**
 * A uniformly-ish random simple d-regular graph on n nodes by the pairing (configuration)
 * model with rejection of loops and multi-edges, restarting on dead ends (Steger & Wormald
 * 1999). Requires n·d even and d < n. Every node has degree exactly d, so `Â 1 = 1` for the
 * GCN propagation matrix: the exact Virgo backward fixture (spec §5c).
 * @throws DomainError for infeasible (n, d); ConvergenceError if 200 restarts all fail.
 */
export function randomRegular(n: number, d: number, opts: { seed?: number | Rng } = {}): EdgeList {
  checkN('randomRegular', n);
  checkEdges('randomRegular', (n * d) / 2);
  if (!Number.isInteger(d) || d < 0 || (d >= n && n > 0) || (n * d) % 2 !== 0) {
    throw new DomainError(`randomRegular: need an integer 0 <= d < n with n*d even, got n=${n}, d=${d}`);
  }
  const r = resolveRng(checkOptions('generator', opts, ['seed']).seed);
  const m = (n * d) / 2;
  for (let attempt = 0; attempt < 200; attempt++) {
    const stubs = new Int32Array(n * d);
    for (let i = 0; i < n * d; i++) stubs[i] = Math.floor(i / d);
    let len = n * d;
    const adj = new Set<number>();
    const src = new Int32Array(m);
    const dst = new Int32Array(m);
    let e = 0;
    let failed = false;
    while (len > 0) {
      let ok = false;
      for (let t = 0; t < 100; t++) {
        const i = r.int(len);
        let j = r.int(len - 1);
        if (j >= i) j++;
        const a = stubs[i]!;
        const b = stubs[j]!;
        const key = a < b ? a * n + b : b * n + a;
        if (a === b || adj.has(key)) continue;
        adj.add(key);
        src[e] = Math.min(a, b);
        dst[e] = Math.max(a, b);
        e++;
        // Remove stubs i and j (swap with the tail; remove the larger index first).
        const hiIdx = Math.max(i, j);
        const loIdx = Math.min(i, j);
        stubs[hiIdx] = stubs[len - 1]!;
        len--;
        stubs[loIdx] = stubs[len - 1]!;
        len--;
        ok = true;
        break;
      }
      if (!ok) {
        failed = true;
        break;
      }
    }
    if (!failed) return { n, src, dst };
  }
  throw new ConvergenceError(`randomRegular: no simple ${d}-regular graph on ${n} nodes found in 200 restarts`, Number.NaN, 200);
}

/** A stochastic block model graph with its community labels. */
export interface SbmGraph extends EdgeList {
  /** Community of each node, in `[0, blocks)`. */
  readonly labels: Int32Array;
}

/**
 * Stochastic block model (Holland, Laskey & Leinhardt 1983): `sizes[k]` nodes in block k
 * (contiguous ids), edge {i, j} with probability `pIn` inside a block and `pOut` across.
 * O(n²) Bernoulli draws. Used by the Virgo SBM node-classification experiment (spec §5d).
 */
export function stochasticBlockModel(sizes: readonly number[], pIn: number, pOut: number, opts: { seed?: number | Rng } = {}): SbmGraph {
  checkProb('stochasticBlockModel', 'pIn', pIn);
  checkProb('stochasticBlockModel', 'pOut', pOut);
  if (!Array.isArray(sizes)) throw new DomainError('stochasticBlockModel: sizes must be an array of block sizes');
  let n = 0;
  for (const s of sizes) {
    checkInt('stochasticBlockModel', 'a block size', s, 0, MAX_NODES);
    n += s;
  }
  checkN('stochasticBlockModel', n);
  // O(n²) Bernoulli draws: bounded like a dense n x n allocation.
  checkEdges('stochasticBlockModel', (n * (n - 1)) / 2);
  const labels = new Int32Array(n);
  let o = 0;
  for (let k = 0; k < sizes.length; k++) for (let t = 0; t < sizes[k]!; t++) labels[o++] = k;
  const r = resolveRng(checkOptions('generator', opts, ['seed']).seed);
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const p = labels[i] === labels[j] ? pIn : pOut;
      if (r.uniform() < p) {
        src.push(i);
        dst.push(j);
      }
    }
  }
  return { n, src: Int32Array.from(src), dst: Int32Array.from(dst), labels };
}
