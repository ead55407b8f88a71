import { data, M, P, real, ringCsr, signal, sym, V } from '../dsl.mjs';

// Templates for @x/graph-init. Layers refuse non-finite inputs (nan: 'reject').
export default (mod) => {
  const inBall = (n, seed = 1) => V(n, seed).map((v) => v / (2 * Math.sqrt(n)));
  const csr = () => data(ringCsr(6));
  const edges = () => ({ n: 5, src: new Int32Array([0, 1, 2, 3]), dst: new Int32Array([1, 2, 3, 4]) });
  const mlp = () => mod.kaimingMlp([2, 4, 2], 1);
  const teacher = () => mod.quadraticTeacher(6, real(0.5).value, 1, 0.5, { seed: 1 });
  return {
    bayesOptimalMmse: () => [real(0.5), real(0.5), real(0.5), { points: 64 }],
    conformalFactor: () => [inBall(3), real(1)],
    csrNnz: () => [csr()],
    csrRowSums: () => [csr()],
    csrToDense: () => [csr()],
    csrTranspose: () => [csr()],
    deepPoincareMlp: () => [2, 3, real(1), 'gaussian', 1],
    denoisingMmse: () => [real(0.5), real(0.5), 64],
    dualActivation: () => ['relu', real(1), real(1), real(0.5)],
    edgesToCsr: () => [edges(), { symmetric: true, weights: P(4), dropSelfLoops: true }],
    empiricalKernels: () => [M(3, 2), { depth: 2, sigmaW2: real(2), sigmaB2: real(0.1), activation: 'relu', width: 8, seed: 1 }],
    entropyEffectiveRank: () => [P(5)],
    erdosRenyi: () => [8, real(0.3), { seed: 1 }],
    erf: () => [real(0.3)],
    expMap: () => [inBall(3), inBall(3, 2), real(1)],
    expMap0: () => [inBall(3), real(1)],
    ExpMap0: () => [real(1)],
    'ExpMap0#forward': { make: () => new mod.ExpMap0(1), method: 'forward', args: () => [M(2, 3)], nan: 'reject' },
    fanInNormalize: () => [M(3, 4), { relu: true, fanIn: 4 }],
    fineTune: () => {
      const { Ws, bs } = mlp();
      const d = mod.spirals(8, { seed: 1 });
      return [Ws, bs, { X: d.X, y: d.y }, { X: d.X, y: d.y }, 2, real(0.01)];
    },
    gampRie: () => [teacher(), { damping: real(0.5), maxIter: 2, tol: real(1e-6), gridPoints: 64, seed: 1, signal: signal() }],
    gcnInitVariances: () => ['virgo', csr(), M(6, 3), { depth: 2, hidden: 4, numClasses: 2, mean: 'harmonic' }],
    GcnLayer: () => [csr(), 3, 2, { seed: 1, variance: real(0.5), bias: true }],
    'GcnLayer#forward': { make: () => new mod.GcnLayer(ringCsr(6), 3, 2, { seed: 1 }), method: 'forward', args: () => [M(6, 3)], nan: 'reject' },
    GcnNet: () => [csr(), [3, 4, 2], { variances: P(2), seed: 1 }],
    gyration: () => [inBall(3), inBall(3, 2), inBall(3, 3), real(1)],
    kaimingMlp: () => [[2, 4, 2], 1],
    kaimingVariance: () => [4],
    kernelAlignment: () => [M(3, 3), M(3, 3, 2)],
    logMap: () => [inBall(3), inBall(3, 2), real(1)],
    logMap0: () => [inBall(3), real(1)],
    LogMap0: () => [real(1)],
    'LogMap0#forward': { make: () => new mod.LogMap0(1), method: 'forward', args: () => [{ rows: 2, cols: 3, data: inBall(6) }], nan: 'reject' },
    lowRankAtEqualNorm: () => [M(4, 3), 2],
    LowRankDecoder: () => [{ hidden: 4, rank: 2, maxSide: 8, seed: 1 }],
    lowRankDecoderParameterCount: () => [4, 2, 8],
    lowRankGaussian: () => [4, 3, 2, { sigma: real(1), seed: 1 }],
    measureGcnVariances: () => [csr(), M(6, 3), P(2), { hidden: 4, numClasses: 2, seed: 1 }],
    mlpGraph: () => [[2, 4, 2]],
    mlpLossAndGrads: () => {
      const { Ws, bs } = mlp();
      const d = mod.spirals(8, { seed: 1 });
      return [Ws, bs, d.X, d.y];
    },
    mobiusAdd: () => [inBall(3), inBall(3, 2), real(1)],
    mobiusNeg: () => [inBall(3)],
    nngpKernel: () => [M(3, 2), { depth: 2, sigmaW2: real(2), sigmaB2: real(0.1), activation: 'erf' }],
    normalizedAdjacency: () => [csr()],
    ntkKernel: () => [M(3, 2), { depth: 2, sigmaW2: real(2), sigmaB2: real(0.1), activation: 'relu' }],
    parallelTransport: () => [inBall(3), inBall(3, 2), V(3, 3), real(1)],
    participationRatio: () => [P(5)],
    poincareBatchNorm: () => [{ rows: 4, cols: 3, data: inBall(12) }, real(1), { gamma: real(0.5) }],
    poincareDistance: () => [inBall(3), inBall(3, 2), real(1)],
    poincareLinear: () => [{ rows: 2, cols: 3, data: inBall(6) }, mod.poincareLinearInit(3, 2, 'gaussian', { seed: 1 }), real(1)],
    PoincareLinear: () => [3, 2, { c: real(1), init: 'gaussian', seed: 1 }],
    'PoincareLinear#forward': { make: () => new mod.PoincareLinear(3, 2, { seed: 1 }), method: 'forward', args: () => [{ rows: 2, cols: 3, data: inBall(6) }], nan: 'reject' },
    poincareLinearInit: () => [3, 3, 'identity', { seed: 1 }],
    poincareMidpoint: () => [{ rows: 4, cols: 3, data: inBall(12) }, real(1), P(4)],
    predictWeight: () => [M(3, 64), 1, 8, 3, 2],
    projectToBall: () => [V(3), real(1), real(1e-5)],
    quadraticTeacher: () => [6, real(0.5), real(1), real(0.5), { seed: 1 }],
    randomRegular: () => [6, 2, { seed: 1 }],
    richLazyRun: () => [{ inputs: 2, hidden: 4, samples: 8, teacherWidth: 2, rank: 1, aScale: real(1), steps: 2, etaFraction: real(0.5) }],
    rieDenoise: () => [sym(4), { delta: real(0.5), kappa: real(0.5), eta: real(0.1) }],
    spectralGrid: () => [real(0.5), real(0.5), 32],
    spirals: () => [8, { noise: real(0.1), seed: 1 }],
    spmm: () => [csr(), M(6, 2)],
    spmv: () => [csr(), V(6)],
    squashBias: () => [real(0.3)],
    squashNormWeight: () => [real(0.3)],
    stochasticBlockModel: () => [[3, 3], real(0.8), real(0.1), { seed: 1 }],
    tileWeight: () => [M(2, 2), 4, 3],
    TinyGhn: () => [{ hidden: 4, decoder: 'lowrank', rank: 2, maxSide: 8, block: 4, seed: 1 }],
    trainTinyGhn: () => ['lowrank', 2, 1, signal(), real(0.01)],
    virgoSbmConfig: () => [true],
    virgoVariances: () => [csr(), M(6, 3), { depth: 2, hidden: 4, numClasses: 2 }],
    wideKernels: () => [M(3, 2), { depth: 2, sigmaW2: real(2), sigmaB2: real(0.1), activation: 'relu' }],
    wishartSemicircleDensity: () => [real(1), real(0.5), real(0.5)],
    wishartSemicircleStieltjes: () => [real(1), real(0.5), real(0.5)],
    xavierVariance: () => [4, 3],
  };
};
