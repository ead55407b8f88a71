import { checkAlloc, checkOptions, checkPositive, checkSize, checkVector } from '@x/gpu/checks';
import { ShapeError, type Matrix } from '@x/gpu';
import { kronEigh, kronMatvecN } from './kron';

/** 1-D second-difference matrix −d²/dx² with Dirichlet boundaries on n interior points, spacing h. */
export function laplacian1d(n: number, h: number): Matrix<Float64Array> {
  checkSize('laplacian1d', 'n', n, 1);
  checkAlloc('laplacian1d', 'the matrix', n, n);
  checkPositive('laplacian1d', 'h', h);
  const d = new Float64Array(n * n);
  const c = 1 / (h * h);
  for (let i = 0; i < n; i++) {
    d[i * n + i] = 2 * c;
    if (i > 0) d[i * n + i - 1] = -c;
    if (i + 1 < n) d[i * n + i + 1] = -c;
  }
  return { rows: n, cols: n, data: d };
}

/**
 * Solves the 2-D Poisson problem −Δu = f on (0, a) x (0, b) with u = 0 on the boundary, by the
 * 5-point finite-difference scheme on an nx x ny interior grid. The discrete operator is the
 * Kronecker sum A = D_x ⊗ I + I ⊗ D_y, diagonalised by the per-dimension eigendecompositions
 * D = Q Λ Qᵀ: u = (Q_x ⊗ Q_y) diag(1/(λ_i + μ_j)) (Q_x ⊗ Q_y)ᵀ f, two Kronecker matvecs (the
 * fast diagonalisation method; Lynch, Rice & Thomas 1964; the grid structure GP-HM exploits).
 * f is row-major nx x ny (x the slow index). O(nx³ + ny³ + nx ny (nx + ny)).
 */
export function poissonSolve2d(f: ArrayLike<number>, nx: number, ny: number, opts: { a?: number; b?: number } = {}): Float64Array {
  const { hx, hy } = checkGrid('poissonSolve2d', f, nx, ny, opts);
  checkAlloc('poissonSolve2d', 'the 1-D operators', Math.max(nx, ny), Math.max(nx, ny));
  const ex = kronEigh([laplacian1d(nx, hx)]);
  const ey = kronEigh([laplacian1d(ny, hy)]);
  const Q = [ex.vectors[0]!, ey.vectors[0]!];
  const t = kronMatvecN(Q, f, { transpose: true });
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) t[i * ny + j]! /= ex.values[i]! + ey.values[j]!;
  return kronMatvecN(Q, t);
}

/** The 5-point operator applied to u (row-major nx x ny, zero boundary): (D_x ⊗ I + I ⊗ D_y) u. */
export function poissonApply2d(u: ArrayLike<number>, nx: number, ny: number, opts: { a?: number; b?: number } = {}): Float64Array {
  const { hx, hy } = checkGrid('poissonApply2d', u, nx, ny, opts);
  const out = new Float64Array(nx * ny);
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      const c = u[i * ny + j]!;
      const up = i > 0 ? u[(i - 1) * ny + j]! : 0;
      const dn = i + 1 < nx ? u[(i + 1) * ny + j]! : 0;
      const lf = j > 0 ? u[i * ny + j - 1]! : 0;
      const rt = j + 1 < ny ? u[i * ny + j + 1]! : 0;
      out[i * ny + j] = (2 * c - up - dn) / (hx * hx) + (2 * c - lf - rt) / (hy * hy);
    }
  }
  return out;
}

/**
 * Throws unless `v` is a finite vector of nx·ny grid values (nx, ny >= 1) and the options hold
 * only positive finite side lengths `a`, `b`; returns the grid spacings.
 */
function checkGrid(fn: string, v: ArrayLike<number>, nx: number, ny: number, opts: { a?: number; b?: number }): { hx: number; hy: number } {
  checkSize(fn, 'nx', nx, 1);
  checkSize(fn, 'ny', ny, 1);
  checkAlloc(fn, 'the grid', nx, ny);
  checkVector(fn, 'values', v);
  if (v.length !== nx * ny) throw new ShapeError(`${fn}: ${v.length} values, expected nx*ny = ${nx}x${ny}`);
  checkOptions(fn, opts, ['a', 'b']);
  return { hx: checkPositive(fn, 'a', opts.a ?? 1) / (nx + 1), hy: checkPositive(fn, 'b', opts.b ?? 1) / (ny + 1) };
}
