import { DomainError } from '@x/gpu';
import { checkCsr, type Csr } from './csr';

/**
 * The GCN propagation matrix `Â = D̃^{-1/2} (A + I) D̃^{-1/2}` with `D̃ = diag((A + I) 1)`
 * (Kipf & Welling 2017, eq. 2; the form Virgo's variance analysis assumes, spec §5a).
 * A self-loop of weight 1 is added to every node (an existing diagonal entry is increased by 1).
 * O(nnz + n). `A` must be non-negative so that the degrees are positive.
 * @throws DomainError on negative weights.
 */
export function normalizedAdjacency(a: Csr): Csr {
  checkCsr('normalizedAdjacency', 'a', a);
  const { n } = a;
  const indptr = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    let placed = false;
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) {
      const j = a.indices[p]!;
      const v = a.values[p]!;
      if (v < 0 || !Number.isFinite(v)) throw new DomainError(`normalizedAdjacency: entry (${i}, ${j}) is ${v}; weights must be finite and >= 0`);
      if (!placed && j > i) {
        cols.push(i);
        vals.push(1);
        placed = true;
      }
      if (j === i) {
        cols.push(i);
        vals.push(v + 1);
        placed = true;
      } else {
        cols.push(j);
        vals.push(v);
      }
    }
    if (!placed) {
      cols.push(i);
      vals.push(1);
    }
    indptr[i + 1] = cols.length;
  }
  const deg = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) deg[i]! += vals[p]!;
  }
  const dinv = new Float64Array(n);
  for (let i = 0; i < n; i++) dinv[i] = 1 / Math.sqrt(deg[i]!);
  const values = new Float64Array(vals.length);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) values[p] = dinv[i]! * vals[p]! * dinv[cols[p]!]!;
  }
  return { n, indptr, indices: Int32Array.from(cols), values };
}
