import type { Matrix } from '@x/gpu';
import { eig, eigh, eighComplex, solve } from '@x/linalg';

/*
 * The decompositions this package takes from @x/linalg, behind one small module so the tests can
 * swap one out (skew-eig-fallback.test.ts removes `eighComplex` to exercise the real-embedding
 * path of skewEig). `fn` names the caller for error messages raised here.
 */

type EighComplexFn = (a: { re: Matrix; im: Matrix }) => { values: Float64Array; vectors: { re: Matrix; im: Matrix } };

/** Symmetric eigen-decomposition (`eigh`): ascending values, column vectors. */
export function linalgEigh(_fn: string, a: Matrix): { values: Float64Array; vectors: Matrix } {
  return eigh(a);
}

/** Complex Hermitian eigen-decomposition (`eighComplex`), or null when it is not available. */
export function linalgEighComplex(): EighComplexFn | null {
  return typeof eighComplex === 'function' ? (eighComplex as EighComplexFn) : null;
}

/** General real eigen-decomposition (`eig`). */
export function linalgEig(_fn: string, a: Matrix): ReturnType<typeof eig> {
  return eig(a);
}

/** Solves a X = b (`solve`). */
export function linalgSolve(_fn: string, a: Matrix, b: Matrix): Matrix {
  return solve(a, b);
}
