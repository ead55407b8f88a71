import { keep, M, P, real, V } from '../dsl.mjs';

// Templates for @x/peft. The adapted layer refuses non-finite inputs (nan: 'reject').
export default (mod) => {
  const W = () => M(6, 4);
  const lora = () => ({ kind: 'lora', A: M(2, 4, 2), B: M(6, 2, 3), scale: real(0.5) });
  const adapted = () => new mod.AdaptedLinear({ base: M(6, 4), adapter: { kind: 'lora', A: M(2, 4, 2), B: M(6, 2, 3), scale: 0.5 } });
  const tvs = () => [M(4, 3, 1), M(4, 3, 2), M(4, 3, 3)];
  return {
    AdaptedLinear: () => [{ base: W(), bias: V(6), adapter: lora() }],
    'AdaptedLinear#forward': { make: adapted, method: 'forward', args: () => [M(3, 4)], nan: 'reject' },
    'AdaptedLinear#tensor': { make: adapted, method: 'tensor', args: () => ['A'] },
    'AdaptedLinear#proto': { make: adapted, method: 'tensor', args: () => ['__proto__'], expectBase: 'reject', mutate: false },
    crossInit: () => [(x) => x, M(4, 4)],
    crossInitRegularizer: () => [M(4, 3), M(4, 3, 2), { lambda: real(0.1), eps: real(1e-8) }],
    dareMerge: () => [tvs(), { density: real(0.5), seed: 1, weights: [real(1), real(0.5), real(0.5)], mode: 'linear', rescale: true }],
    elbowRank: () => [P(6).sort().reverse()],
    energyRank: () => [P(6).sort().reverse(), real(0.9)],
    evaAllocateRanks: () => [{ a: P(4), b: P(4, 2) }, { a: 2, b: 2 }],
    EvaCollector: () => [[{ name: 'a', inFeatures: 4, rank: 2 }], { rho: real(1), tau: real(0.99) }],
    'EvaCollector#update': { make: () => new mod.EvaCollector([{ name: 'a', inFeatures: 4, rank: 2 }]), method: 'update', args: () => [keep('a'), M(6, 4)], nan: 'reject' },
    fedAvg: () => [tvs(), [real(1), real(2), real(1)]],
    fedsvdReorthogonalize: () => [M(6, 2), M(2, 4)],
    fedsvdRound: () => [M(2, 4), [M(6, 2, 1), M(6, 2, 2)], { weights: [real(1), real(1)], noiseStd: real(0), reorthogonalize: true, seed: 1 }],
    householderProduct: () => [M(4, 2)],
    householderProjector: () => [M(4, 2), M(4, 2, 2), 1],
    householderProjectorInit: () => [M(4, 4)],
    householderVectorsOf: () => [mod.householderProduct(M(4, 4))],
    lolduInit: () => [W(), 2, { alpha: real(1), zInit: 'ones' }],
    loraInit: () => [W(), 2, { alpha: real(4), rslora: true, seed: 1 }],
    loraSbInit: () => [W(), 2, { eta: real(0.1), niter: 2, exact: true, seed: 1 }],
    loraScale: () => [2, real(4), true],
    loraXsInit: () => [W(), 2, { std: real(0.01), seed: 1, alpha: real(1) }],
    magnitudePrune: () => [M(4, 3), real(0.5)],
    orthoRegLoss: () => [M(4, 3), { squared: true, eps: real(1e-8) }],
    pissaInit: () => [W(), 2, { alpha: real(2), niter: 2, seed: 1 }],
    pissaToLora: () => {
      const init = mod.pissaInit(M(6, 4), 2, { seed: 1 });
      return [{ A: M(2, 4, 5), B: M(6, 2, 6) }, { A: init.A, B: init.B, scale: real(init.scale) }];
    },
    semanticDirections: () => [M(4, 4), 2],
    sokaInit: () => [M(6, 4), [2, 2], [3, 2], { k: 2, energy: real(0.9) }],
    sorsaInit: () => [W(), 2, { alpha: real(1) }],
    sorsaRegularizer: () => [M(2, 4), M(6, 2), { squared: true, eps: real(1e-8) }],
    svdMergeAdapters: () => [[{ A: M(2, 4, 1), B: M(6, 2, 2), scale: real(1) }, { A: M(2, 4, 3), B: M(6, 2, 4) }], { weights: [real(1), real(1)], rank: 2 }],
    svfitInit: () => [W(), 2],
    taskArithmetic: () => [tvs(), [real(1), real(0.5), real(0.5)]],
    tiesMerge: () => [tvs(), { density: real(0.5), weights: [real(1), real(1), real(1)] }],
  };
};
