import { A, C, CM, data, int, M, P, real, spd, sym, V } from '../dsl.mjs';

// Templates for @x/linalg: valid arguments for each callable export.
export default (mod) => ({
    // applyHouseholder(a: Matrix<MatrixData>, h: Pick<Householder, "v" | "tau">, opts?: ApplyHouseholderOptions): Matrix<Float64Array<ArrayBufferLike>>
    // These three take Pick<> of a factorization (the fields they read): a template passes only
    // those, since a field the function never reads (beta, T) is not an argument it could refuse.
    applyHouseholder: () => { const h = mod.householder(V(4)); return [M(4, 3), { v: h.v, tau: real(h.tau) }, {}]; },
    // applyWY(a: Matrix<MatrixData>, wy: Pick<WY, "W" | "Y">, opts?: ApplyWYOptions): Matrix<Float64Array<ArrayBufferLike>>
    applyWY: () => { const wy = mod.wyForm(M(4, 2), V(2)); return [M(4, 3), { W: wy.W, Y: wy.Y }, {}]; },
    // bitReversal(n: number): Int32Array<ArrayBufferLike>
    bitReversal: () => [4],
    // butterflyDct(n: number): { butterfly: Butterfly; diag: ComplexArray; }
    butterflyDct: () => [4],
    // butterflyDft(n: number, opts?: ButterflyDftOptions): Butterfly
    butterflyDft: () => [4, {}],
    // butterflyHadamard(n: number, opts?: { normalized?: boolean; }): Butterfly
    butterflyHadamard: () => [4, {}],
    // butterflyLossGradient(b: Butterfly, target: ComplexMatrix): ButterflyLoss
    butterflyLossGradient: () => [mod.butterflyDft(4), data(mod.unitaryDftMatrix(4))],
    // butterflyMultiply(b: Butterfly, x: ComplexArray | ArrayLike<number>): ComplexArray
    butterflyMultiply: () => [mod.butterflyDft(8), C(8)],
    // butterflyToMatrix(b: Butterfly): ComplexMatrix
    butterflyToMatrix: () => [data(mod.butterflyDft(4))],
    // butterflyTransformTarget(transform: ButterflyTransform, n: number): ComplexMatrix
    butterflyTransformTarget: () => ['hadamard', 4],
    // canonicalDual(phi: ComplexMatrix): ComplexMatrix
    canonicalDual: () => [data(CM(4, 4))],
    // cholesky(a: Matrix<MatrixData>): Matrix<Float64Array<ArrayBufferLike>>
    cholesky: () => [spd(4)],
    // choleskySolve(L: Matrix<MatrixData>, b: Matrix<MatrixData>): Matrix<Float64Array<ArrayBufferLike>>
    choleskySolve: () => [mod.cholesky(spd(4)), M(4, 2)],
    // clearFftPlans(): void
    clearFftPlans: () => [],
    // complexZeros(n: number): ComplexArray
    complexZeros: () => [4],
    // cond(a: Matrix<MatrixData>): number
    cond: () => [M(4, 4)],
    // dct(x: ArrayLike<number>, opts?: DctOptions): Float64Array<ArrayBufferLike>
    dct: () => [V(8), {}],
    // dct2d(a: Matrix<MatrixData>, opts?: DctMatrixOptions): Matrix<Float64Array<ArrayBufferLike>>
    dct2d: () => [M(4, 4), {}],
    // dctCols(a: Matrix<MatrixData>, opts?: DctMatrixOptions): Matrix<Float64Array<ArrayBufferLike>>
    dctCols: () => [M(4, 4), {}],
    // dctMatrix(n: number): Matrix<Float64Array<ArrayBufferLike>>
    dctMatrix: () => [4],
    // dctRows(a: Matrix<MatrixData>, opts?: DctMatrixOptions): Matrix<Float64Array<ArrayBufferLike>>
    dctRows: () => [M(4, 4), {}],
    // det(a: Matrix<MatrixData>): number
    det: () => [M(4, 4)],
    // effectiveRank(singularValues: ArrayLike<number>, opts?: EffectiveRankOptions): number
    effectiveRank: () => [P(5), { kind: 'participation' }],
    // eig(a: Matrix<MatrixData>, opts?: EigOptions): EigResult
    eig: () => [M(4, 4), {}],
    // eigh(a: Matrix<MatrixData>, opts?: EighOptions): EighResult
    eigh: () => [sym(4), {}],
    // eighComplex(a: ComplexMatrix): EighComplexResult
    eighComplex: () => [data(mod.unitaryDftMatrix(4))],
    // fft(x: ComplexArray | ArrayLike<number>, opts?: FftOutOptions): ComplexArray
    fft: () => [C(8), {}],
    // fftConvolve(x: ArrayLike<number>, h: ArrayLike<number>, opts?: { mode?: ConvolveMode; }): Float64Array<ArrayBufferLike>
    fftConvolve: () => [V(8), V(8), {}],
    // filterBankAnalysis(filters: ComplexArray[], x: ComplexArray | ArrayLike<number>): ComplexArray[]
    filterBankAnalysis: () => [mod.morletFilters(8), C(8)],
    // filterBankFrame(filters: ComplexArray[]): ComplexMatrix
    filterBankFrame: () => [mod.morletFilters(8)],
    // filterBankFrameBounds(filters: ComplexArray[]): FrameBounds
    filterBankFrameBounds: () => [mod.morletFilters(8)],
    // frameAnalysis(phi: ComplexMatrix, x: ComplexArray | ArrayLike<number>): ComplexArray
    frameAnalysis: () => [CM(6, 4), C(4)],
    // frameBounds(phi: ComplexMatrix): FrameBounds
    frameBounds: () => [data(CM(4, 4))],
    // frameOperator(phi: ComplexMatrix): ComplexMatrix
    frameOperator: () => [data(CM(4, 4))],
    // frameSynthesis(phi: ComplexMatrix, c: ComplexArray): ComplexArray
    frameSynthesis: () => [CM(6, 4), C(6)],
    // fromArray2D(rows: ArrayLike<ArrayLike<number>>): Matrix<Float64Array<ArrayBufferLike>>
    fromArray2D: () => [[A(3), A(3, 2)]],
    // fromMlMatrix(x: MatrixLike): Matrix<Float64Array<ArrayBufferLike>>
    fromMlMatrix: () => [data({ to2DArray: () => [[1, 2], [3, 4]] })],
    // gaborFrame(n: number, opts?: GaborFrameOptions): ComplexMatrix
    gaborFrame: () => [4, {}],
    // geomspace(start: number, stop: number, num: number): Float64Array<ArrayBufferLike>
    geomspace: () => [real(0.5), real(4), 4],
    // householder(x: ArrayLike<number>): Householder
    householder: () => [V(8)],
    // idct(x: ArrayLike<number>, opts?: DctOptions): Float64Array<ArrayBufferLike>
    idct: () => [V(8), {}],
    // ifft(x: ComplexArray | ArrayLike<number>, opts?: FftOutOptions): ComplexArray
    ifft: () => [C(8), {}],
    // inv(a: Matrix<MatrixData>): Matrix<Float64Array<ArrayBufferLike>>
    inv: () => [M(4, 4)],
    // irfft(X: ComplexArray, n?: number, opts?: FftOptions): Float64Array<ArrayBufferLike>
    irfft: () => [C(5), 8],
    // isComplexArray(x: unknown): x is ComplexArray
    isComplexArray: { args: () => [C(4)], total: true },
    // isTightFrame(phi: ComplexMatrix, opts?: { rtol?: number; }): boolean
    isTightFrame: () => [CM(4, 4), {}],
    // kpsvd(a: Matrix<MatrixData>, shapeA: readonly [number, number], shapeB: readonly [number, number], opts?: KpsvdOptions): KpsvdResult
    kpsvd: () => [M(4, 6), [2, 3], [2, 2], {}],
    // kron(a: Matrix<MatrixData>, b: Matrix<MatrixData>): Matrix<Float64Array<ArrayBufferLike>>
    kron: () => [M(2, 2), M(3, 2)],
    // kronMatvec(a: Matrix<MatrixData>, b: Matrix<MatrixData>, x: ArrayLike<number>): Float64Array<ArrayBufferLike>
    kronMatvec: () => [M(2, 2), M(3, 3), V(6)],
    // kronRearrange(a: Matrix<MatrixData>, shapeA: readonly [number, number], shapeB: readonly [number, number]): Matrix<Float64Array<ArrayBufferLike>>
    kronRearrange: () => [M(4, 6), [2, 3], [2, 2]],
    // ldu(a: Matrix<MatrixData>): LduResult
    ldu: () => [M(4, 4)],
    // learnButterfly(target: ComplexMatrix, opts?: LearnButterflyOptions): LearnButterflyResult
    learnButterfly: () => [mod.unitaryDftMatrix(4), { steps: 2, lr: real(0.01), seed: 1 }],
    // learnButterflyDft(opts: LearnButterflyDftOptions): LearnButterflyResult
    learnButterflyDft: () => [{ n: 4, steps: 2, lr: real(0.01), seed: 1 }],
    // learnButterflyPermuted(target: ComplexMatrix, opts?: LearnButterflyPermutedOptions): LearnButterflyPermutedResult
    learnButterflyPermuted: () => [mod.unitaryDftMatrix(4), { steps: 2, polishSteps: 2, lr: real(0.01), seed: 1, logits: 'block', model: 'BPP', sharpen: real(0.1) }],
    // learnButterflyTransform(opts: LearnButterflyTransformOptions): LearnButterflyPermutedResult
    learnButterflyTransform: () => [{ transform: 'dct', n: 8, steps: 2, polishSteps: 2, lr: real(0.01), seed: 1, logits: 'block', model: 'BPP', sharpen: real(0.1) }],
    // logdet(a: Matrix<MatrixData>): { sign: number; logabsdet: number; }
    logdet: () => [M(4, 4)],
    // lstsq(a: Matrix<MatrixData>, b: Matrix<MatrixData>, opts?: { rcond?: number; }): LstsqResult<Matrix<Float64Array<ArrayBufferLike>>>
    lstsq: () => [M(6, 4), M(6, 2), {}],
    // lu(a: Matrix<MatrixData>): LuResult
    lu: () => [M(4, 4)],
    // luFactor(a: Matrix<MatrixData>): LuFactorization
    luFactor: () => [M(4, 4)],
    // luSolve(f: LuFactorization, b: Matrix<MatrixData>): Matrix<Float64Array<ArrayBufferLike>>
    // sign is a +-1 parity, not a count (here it is -1, so the "-1" mutation was the value itself):
    // it is mutated like a real; a sign that disagrees with perm is refused by luSolve.
    luSolve: () => { const f = mod.luFactor(M(4, 4)); return [{ lu: f.lu, perm: f.perm, sign: int(f.sign) }, M(4, 2)]; },
    // matrixRank(a: Matrix<MatrixData>, opts?: { tol?: number; }): number
    matrixRank: () => [M(4, 4), {}],
    // morletFilters(n: number, opts?: MorletOptions): ComplexArray[]
    morletFilters: () => [4, {}],
    // morletFrame(n: number, opts?: MorletOptions): ComplexMatrix
    morletFrame: () => [4, {}],
    // morletScalogram(x: ComplexArray | ArrayLike<number>, opts?: MorletOptions): Matrix<Float64Array<ArrayBufferLike>>
    morletScalogram: () => [C(8), {}],
    // pinv(a: Matrix<MatrixData>, opts?: { rcond?: number; }): Matrix<Float64Array<ArrayBufferLike>>
    pinv: () => [M(4, 4), {}],
    // qr(a: Matrix<MatrixData>, opts?: QrOptions): QrResult
    qr: () => [M(4, 4), {}],
    // rfft(x: ArrayLike<number>, opts?: FftOptions): ComplexArray
    rfft: () => [V(8), {}],
    // rfftParsevalWeights(n: number): Float64Array<ArrayBufferLike>
    rfftParsevalWeights: () => [4],
    // solve(a: Matrix<MatrixData>, b: Matrix<MatrixData>): Matrix<Float64Array<ArrayBufferLike>>
    solve: () => [M(4, 4), M(4, 2)],
    // solveTriangular(t: Matrix<MatrixData>, b: Matrix<MatrixData>, opts?: { lower?: boolean; unitDiagonal?: boolean; }): Matrix<Float64Array<ArrayBufferLike>>
    solveTriangular: () => [mod.cholesky(spd(4)), M(4, 2), { lower: true }],
    // svd(a: Matrix<MatrixData>, opts?: SvdOptions): SvdResult
    svd: () => [M(4, 4), {}],
    // svdLowrank(a: Matrix<MatrixData>, q: number, opts?: { niter?: number; seed?: number; }): { U: Matrix<Float64Array<ArrayBufferLike>>; S: Float64Array<...>; V: Matrix<...>; }
    svdLowrank: () => [M(6, 4), 2, { seed: 1 }],
    // svdvals(a: Matrix<MatrixData>): Float64Array<ArrayBufferLike>
    svdvals: () => [M(4, 4)],
    // toArray2D(a: Matrix<MatrixData>): number[][]
    toArray2D: () => [M(4, 4)],
    // toMlMatrix<T>(a: Matrix<MatrixData>, ctor: new (data: number[][]) => T): T
    toMlMatrix: () => [M(3, 4), class { constructor(d) { this.d = d; } }],
    // unitaryDft(x: ComplexArray | ArrayLike<number>): ComplexArray
    unitaryDft: () => [C(8)],
    // unitaryDftMatrix(n: number): ComplexMatrix
    unitaryDftMatrix: () => [4],
    // unitaryRfft(x: ArrayLike<number>): ComplexArray
    unitaryRfft: () => [V(8)],
    // wyForm(V: Matrix<MatrixData>, taus: ArrayLike<number>): WY
    wyForm: () => [M(4, 2), V(2)],
    // wyToMatrix(wy: Pick<WY, "W" | "Y">, opts?: { cols?: number; }): Matrix<Float64Array<ArrayBufferLike>>
    wyToMatrix: () => { const wy = mod.wyForm(M(4, 2), V(2)); return [{ W: wy.W, Y: wy.Y }, {}]; },
});
