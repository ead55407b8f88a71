import { rng } from '@x/gpu';
import { data, keep, M, P, real, signal, spd, V } from '../dsl.mjs';

// Templates for @x/inr. Layers refuse non-finite inputs (nan: 'reject').
export default (mod) => {
  const theta = () => mod.smInit(2, 1).theta;
  const xs = () => V(6).map((v, i) => i + v / 4);
  const quad = (t) => ({ value: t.reduce((s, v) => s + v * v, 0), grad: t.map((v) => 2 * v) });
  const net = () => mod.geluMlp(4, 1);
  const siren = () => mod.sirenModel(mod.sirenInit([1, 4, 1], { seed: 1 }));
  const coefs = () => mod.rationalInit('gelu');
  // A 1-D PDE problem on 5 grid points (−u'' = f, Dirichlet ends), as PdeProblem.
  const pde1 = () =>
    data({ grid: [keep([0, 0.25, 0.5, 0.75, 1])], terms: data([{ coef: real(-1), orders: keep([2]) }]), f: V(5), g: V(5, 2), boundary: keep([true, false, false, false, true]) });
  // A generator is a struct of methods, not an options bag: an extra key on it is legal, and
  // its methods are mutated as data (not a function, null).
  const gen = () => data(rng(1));
  return {
    bandSignal: () => [16, real(0.1), real(0.3), 1],
    checkRationalCoefficients: () => [keep('f'), data(coefs())],
    checkRationalForm: () => [keep('f'), 'B'],
    checkSmBase: () => [keep('f'), 'gaussian'],
    circlePoints: () => [8, real(1), gen()],
    fitGp: () => [xs(), V(6, 2), theta(), { noise: real(0.1), method: 'adam', maxIter: 2, lr: real(0.01), base: 'gaussian', signal: signal() }],
    fitLearnedBasis: () => [net(), M(6, 1), { steps: 2, lr: real(0.01), probes: 3, sigma: real(0.5), seed: 1, signal: signal() }],
    fitNestedBasis: () => [M(6, 3), 2, { steps: 2, lr: real(0.01), seed: 1, signal: signal() }],
    fitSiren: () => [siren(), M(6, 1), M(6, 1, 2), { steps: 2, lr: real(0.001), every: 1, signal: signal() }],
    FourierFeatures: () => [2, 3, { sigma: real(2), seed: 1 }],
    'FourierFeatures#forward': { make: () => new mod.FourierFeatures(2, 3, { seed: 1 }), method: 'forward', args: () => [M(4, 2)], nan: 'reject' },
    fourierFeatureMlp: () => [[2, 3, 4, 1], { sigma: real(2), seed: 1 }],
    geluMlp: () => [4, 1],
    gpNlml: () => [xs(), V(6, 2), theta(), { noise: real(0.1), base: 'matern52' }],
    gpPredict: () => [xs(), V(6, 2), theta(), V(3, 3), { noise: real(0.1), base: 'gaussian' }],
    GrKan: () => [4, 3, { groups: 2, init: 'gelu', form: 'B', gain: real(1), bias: true, seed: 1 }],
    'GrKan#forward': { make: () => new mod.GrKan(4, 3, { groups: 2, seed: 1 }), method: 'forward', args: () => [M(2, 4)], nan: 'reject' },
    grkanData: () => [8],
    grkanNet: () => [4, 2, 1, 'B'],
    grkanTarget: () => [real(0.3)],
    GroupRational: () => [4, { groups: 2, init: 'swish', form: 'A' }],
    'GroupRational#forward': { make: () => new mod.GroupRational(4, { groups: 2 }), method: 'forward', args: () => [M(2, 4)], nan: 'reject' },
    kronEigh: () => [[spd(2, 1), spd(3, 2)]],
    kronMatvecN: () => [[M(2, 2, 1), M(3, 3, 2)], V(6), { transpose: true }],
    kronNlml: () => [[spd(2, 1), spd(3, 2)], V(6), real(0.1)],
    kronSolve: () => [[spd(2, 1), spd(3, 2)], V(6), real(0.1)],
    laplacian1d: () => [6, real(0.5)],
    laplacianEigenmaps: () => [M(10, 2), { k: 2, alpha: real(1), count: 3 }],
    lbfgs: () => [quad, V(4), { maxIter: 5, memory: 3, gtol: real(1e-8), signal: signal() }],
    leadingColumns: () => [M(4, 3), 2],
    nestedReconstructionLoss: () => [M(6, 2), M(6, 3, 2), P(6)],
    noiseImage: () => [4, 5, 1],
    pixelGrid: () => [3, 4],
    poissonApply2d: () => [V(12), 3, 4, { a: real(1), b: real(1) }],
    poissonSolve2d: () => [V(12), 3, 4, { a: real(1), b: real(1) }],
    psnrFromMse: () => [real(0.01)],
    randomizeRationals: () => [mod.grkanNet(4, 2, 1), real(0.1), 1],
    rational: () => [real(0.3), coefs().a, coefs().b, 'B'],
    rationalDenominator: () => [real(0.3), coefs().b, 'B'],
    rationalDerivatives: () => [real(0.3), coefs().a, coefs().b, 'B'],
    rationalGain: () => [coefs(), 'B'],
    rationalInit: () => ['gelu', 'B'],
    rationalSecondMoment: () => [coefs(), 'B'],
    rbfProbes: () => [M(6, 2), 3, real(0.5), gen()],
    sirenInit: () => [[1, 4, 1], { seed: 1 }],
    // The omegas are frequencies (values), not indices: a huge one is legal.
    sirenModel: { args: () => [mod.sirenInit([1, 4, 1], { seed: 1 }), { deviceThreshold: 1000 }], intList: 'values' },
    smInit: () => [2, real(1)],
    smKernelGradContract: () => [xs(), theta(), V(36), new Float64Array(6), 'gaussian'],
    smKernelMatrix: () => [xs(), V(3), theta(), 'gaussian'],
    smKernelDerivativeMatrix: () => [xs(), V(3), theta(), 2, 'matern52'],
    gpDerivativeOperators: () => [keep([0, 0.25, 0.5, 0.75, 1]), theta(), { base: 'gaussian', jitter: real(1e-8) }],
    gpCollocationSolve: () => [
      [keep([0, 0.25, 0.5, 0.75, 1])],
      data([{ coef: real(-1), orders: keep([2]) }]),
      V(5),
      V(5, 2),
      keep([true, false, false, false, true]),
      { theta: [theta()], base: 'matern52', jitter: real(1e-8) },
    ],
    gpHmLoss: () => [pde1(), V(5, 3), { theta: [theta()], base: 'matern52', jitter: real(1e-6), boundaryWeight: real(200), residualWeight: real(1) }],
    fitGpHm: () => [pde1(), { theta: [theta()], learn: 'all', uSolver: 'adam', cgIters: 20, cgTol: real(1e-6), steps: 2, lr: real(0.01), u0: V(5, 4), signal: signal() }],
    // omegas are frequencies (values), not indices.
    sirenDerivatives: { args: () => [mod.sirenInit([2, 4, 1], { seed: 1 }), M(3, 2)], intList: 'values' },
    sirenPinnLoss: { args: () => [mod.sirenInit([1, 4, 1], { seed: 1 }), pde1(), { boundaryWeight: real(1) }], intList: 'values' },
    fitSirenPinn: { args: () => [mod.sirenInit([1, 4, 1], { seed: 1 }), pde1(), { steps: 2, lr: real(0.001), boundaryWeight: real(1), signal: signal() }], intList: 'values' },
    smKernelValue: () => [real(0.3), theta(), 'matern52'],
    spectralCentroid: () => [V(16)],
    spectralCentroid2d: () => [V(24), 4, 6, 1],
    speechClip: () => [],
    spherePoints: () => [8, gen()],
    sphericalHarmonics: () => [mod.spherePoints(6, rng(1)), 2],
    subspaceAngle: () => [M(5, 2, 1), M(5, 2, 2)],
    trainMse: () => [net(), M(6, 1), M(6, 1, 2), { steps: 2, lr: real(0.01), signal: signal(), stopOnNonFinite: true }],
    twoTone: () => [real(0.3)],
    vegaImage: () => ['ffox', 25],
    winnerInit: () => [[1, 4, 1], V(16), { seed: 1 }],
    winnerScales: () => [real(0.2), 1, 1],
    zeroPsnr: () => [V(8)],
  };
};
