import { BackendError, type Matrix } from '@x/gpu';
import * as linalg from '@x/linalg';

/*
 * @x/linalg is developed alongside this package. The decompositions used here (eigh, eig,
 * solve, svd) are looked up by name so this package builds against any stage of it, and a
 * missing one is reported as a BackendError naming what is needed, never replaced by a local
 * eigen-solver.
 */

type EighFn = (a: Matrix) => { values: Float64Array; vectors: Matrix };
type EigFn = (a: Matrix) => {
  values: { re: Float64Array; im: Float64Array };
  vectors: { re: Matrix; im: Matrix };
};
type SolveFn = (a: Matrix, b: Matrix) => Matrix;

const ns = linalg as unknown as Record<string, unknown>;

function need<T>(fn: string, name: string): T {
  const f = ns[name];
  if (typeof f !== 'function') {
    throw new BackendError(fn, `@x/linalg does not export \`${name}\` yet (this function needs it)`);
  }
  return f as T;
}

/** True when @x/linalg exports `name` as a function. */
export function linalgHas(name: string): boolean {
  return typeof ns[name] === 'function';
}

/** Symmetric eigen-decomposition from @x/linalg (`eigh`): ascending values, column vectors. */
export function linalgEigh(fn: string, a: Matrix): { values: Float64Array; vectors: Matrix } {
  return need<EighFn>(fn, 'eigh')(a);
}

type EighComplexFn = (a: { re: Matrix; im: Matrix }) => { values: Float64Array; vectors: { re: Matrix; im: Matrix } };

/** Complex Hermitian eigen-decomposition from @x/linalg (`eighComplex`), or null when absent. */
export function linalgEighComplex(): EighComplexFn | null {
  return typeof ns.eighComplex === 'function' ? (ns.eighComplex as EighComplexFn) : null;
}

/** General real eigen-decomposition from @x/linalg (`eig`). */
export function linalgEig(fn: string, a: Matrix): ReturnType<EigFn> {
  return need<EigFn>(fn, 'eig')(a);
}

/** Solves a X = b from @x/linalg (`solve`, or `luFactor` + `luSolve`). */
export function linalgSolve(fn: string, a: Matrix, b: Matrix): Matrix {
  if (typeof ns.solve === 'function') return (ns.solve as SolveFn)(a, b);
  if (typeof ns.luFactor === 'function' && typeof ns.luSolve === 'function') {
    const f = (ns.luFactor as (a: Matrix) => unknown)(a);
    return (ns.luSolve as (f: unknown, b: Matrix) => Matrix)(f, b);
  }
  throw new BackendError(fn, '@x/linalg does not export `solve` (or `luFactor`/`luSolve`) yet');
}
