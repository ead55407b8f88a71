// Dense decompositions: re-exports only (owned by the dense-linalg work).
export { cholesky, choleskySolve } from './cholesky';
export { type EighOptions, type EighResult, eigh } from './eigh';
export { det, inv, type LduResult, type LuFactorization, type LuResult, ldu, logdet, lu, luFactor, luSolve } from './lu';
export { type QrOptions, type QrResult, qr } from './qr';
export { svdLowrank } from './randomized';
export { type LstsqResult, lstsq, pinv, solve, solveTriangular } from './solve';
export { type SvdOptions, type SvdResult, svd, svdvals } from './svd';
