// Dense decompositions: re-exports only (owned by the dense-linalg work).
export { cholesky, choleskySolve } from './cholesky';
export { type EigOptions, type EigResult, eig } from './eig';
export { type EighComplexResult, type EighOptions, type EighResult, eigh, eighComplex } from './eigh';
export { det, inv, type LduResult, type LuFactorization, type LuResult, ldu, logdet, lu, luFactor, luSolve } from './lu';
export { fromArray2D, fromMlMatrix, type MatrixLike, toArray2D, toMlMatrix } from './interop';
export { type QrOptions, type QrResult, qr } from './qr';
export { cond, type EffectiveRankKind, type EffectiveRankOptions, effectiveRank, matrixRank } from './rank';
export { svdLowrank } from './randomized';
export { type LstsqResult, lstsq, pinv, solve, solveTriangular } from './solve';
export { type SvdOptions, type SvdResult, svd, svdvals } from './svd';
