import { createDevice, rng } from '@x/gpu';
import { C, data, keep, M, P, real, signal, V } from '../dsl.mjs';

// Templates for @x/ssm. Layers refuse non-finite inputs (nan: 'reject').
export default (mod) => {
  const neg = (n, seed = 1) => ({ re: P(n, seed).map((v) => -v), im: V(n, seed + 1) });
  const s4d = () => ({ A: neg(4), B: C(4, 3), C: C(4, 5), dt: real(0.1) });
  const bank = () => ({ A: neg(4), B: C(4, 3), C: C(4, 5), dt: P(4).map((v) => v / 10) });
  const dpIn = () => ({ T: 3, nh: 1, dk: 2, dv: 2, q: V(6), k: V(6, 2), v: V(6, 3), beta: P(3).map((b) => b / 2) });
  const scan = () => ({ T: 4, P: 2, aRe: V(8).map((v) => v / 2), aIm: V(8, 2).map((v) => v / 2), bRe: V(8, 3), bIm: V(8, 4) });
  const att = () => ({ Q: M(3, 2, 1), K1: M(3, 2, 2), K2: M(3, 2, 3), V1: M(3, 2, 4), V2: M(3, 2, 5) });
  // A generator is a struct of methods, not an options bag (an extra key on it is legal): data().
  const r = () => data(rng(1));
  const layer = () => new mod.S4DLayer({ channels: 2, stateSize: 4, seed: 1 });
  const dpMix = new mod.DeltaProductMixer({ dModel: 4, numHeads: 2, convSize: 3, seed: 1 });
  const dpBlock = new mod.DeltaProductBlock({ dModel: 4, numHeads: 2, hidden: 6, seed: 1 });
  return {
    delayTaskBatch: () => [2, 8, 2, r()],
    deltaProductBackward: () => [dpIn(), V(6, 7)],
    DeltaProductBlock: () => [{ dModel: 4, numHeads: 2, numHouseholder: 2, hidden: 6, seqLen: 3, chunkSize: 2, seed: 1 }],
    'DeltaProductBlock#forward': { make: () => new mod.DeltaProductBlock({ dModel: 4, numHeads: 2, hidden: 6, seqLen: 3, seed: 1 }), method: 'forward', args: () => [M(6, 4)], nan: 'reject' },
    deltaProductChunkedBackward: () => [dpIn(), V(6, 7), V(4, 8), { chunk: 2 }],
    deltaProductLM: () => [{ vocabSize: 5, dim: 4, numLayers: 1, numHeads: 1, hidden: 8, seed: 1 }, { numHeads: 2, numHouseholder: 2, chunkSize: 2 }],
    DeltaProductMixer: () => [{ dModel: 4, numHeads: 2, numHouseholder: 2, allowNegEigval: true, mode: 'chunk', chunkSize: 2, seqLen: 3, seed: 1 }],
    'DeltaProductMixer#forward': { make: () => new mod.DeltaProductMixer({ dModel: 4, numHeads: 2, seqLen: 3, seed: 1 }), method: 'forward', args: () => [M(6, 4)], nan: 'reject' },
    'DeltaProductMixer#decode': { make: () => dpMix, method: 'decode', args: () => [M(2, 4), data(dpMix.decode(M(1, 4, 3), dpMix.initDecode()).state)], nan: 'reject' },
    'DeltaProductBlock#decode': { make: () => dpBlock, method: 'decode', args: () => [M(2, 4), data(dpBlock.initDecode())], nan: 'reject' },
    deltaProductChunked: () => [dpIn(), { chunk: 2 }],
    DeltaProductClassifier: () => [{ nh: 1, betaMax: 2, d: 4, vocab: 6, seed: 1 }],
    'DeltaProductClassifier#logits': {
      make: () => new mod.DeltaProductClassifier({ nh: 1, betaMax: 2, d: 4, seed: 1 }),
      method: 'logits',
      args: () => [new Int32Array([0, 1, 2])],
    },
    DeltaProductLayer: () => [{ dModel: 4, dk: 2, dv: 2, nh: 1, negativeEigenvalues: true, gate: true, seed: 1 }],
    'DeltaProductLayer#forward': { make: () => new mod.DeltaProductLayer({ dModel: 4, seed: 1 }), method: 'forward', args: () => [M(3, 4)], nan: 'reject' },
    deltaProductRecurrence: () => [dpIn(), { keepStates: true }],
    denseDiscretize: () => [M(3, 3), V(3), real(0.1), 'zoh'],
    denseSsmKernel: () => [{ A: M(3, 3), B: V(3), C: V(3, 2), dt: real(0.1) }, 8, { disc: 'bilinear' }],
    directConv: () => [V(8), V(4, 2)],
    dplrKernel: () => {
      const h = mod.hippoDplr(4);
      return [{ Lambda: h.Lambda, P: h.P, Q: h.P, B: h.B, Ct: C(4, 9), dt: real(0.1) }, 8];
    },
    eigConditionLoss: () => [M(3, 3)],
    expm: () => [M(3, 3)],
    fftConv: () => [V(8), V(4, 2)],
    frameProjectionViews: () => [V(16), { scales: P(4), cwtPool: 4 }],
    hippoDplr: () => [4],
    hippoLegS: () => [4],
    hippoLegT: () => [4],
    hippoNormalEig: () => [4],
    hippoNplr: () => [4],
    legsKernelError: () => [4, { dt: real(0.1), L: 8 }],
    monomialExponents: () => [2, 3],
    ntXent: () => [M(3, 4), M(3, 4, 2), { temperature: real(0.15) }],
    parallelScan: () => [data(scan())],
    ptdInit: () => [4, { eps: real(0.1), seed: 1 }],
    ptdOptimize: () => [4, { gamma: real(0.5), steps: 2, lr: real(0.01), init: real(0.1), seed: 1, norm: real(1), onProgress: () => {}, signal: signal() }],
    ptdOutput: () => [mod.ptdInit(4, { seed: 1 }), V(4)],
    s3Compose: () => [1, 2],
    selfSupervisedPretrain: () => [
      [V(16, 1), V(16, 2), V(16, 3), V(16, 4)],
      { method: 'frame', steps: 2, batch: 2, width: 2, dim: 3, mapperHidden: 4, lr: real(1e-3), temperature: real(0.15), pool: 2, cwtPool: 4, mapperSteps: 2, seed: 1, onStep: () => {}, signal: signal() },
    ],
    s3Householder: () => [3],
    s3TrackDeltaProduct: () => [new Int32Array([0, 1, 2, 3])],
    s3WordProblem: () => [6, r()],
    s4dDiscretize: () => [s4d(), 'zoh'],
    s4dInit: () => [4, { kind: 'legs', bScale: real(1), bClip: real(2) }],
    s4dPtdInit: () => [4, { eps: real(0.1), E: M(2, 2), bScale: real(1) }],
    s4dKernel: () => [s4d(), 8, { disc: 'zoh' }],
    s4dKernelBank: () => [bank(), 8, { disc: 'zoh' }],
    s4dKernelBankDevice: {
      args: () => [keep(null), bank(), 8, {}],
      call: async (f, args) => f(await createDevice({ backend: 'js' }), ...args.slice(1)),
    },
    S4DLayer: () => [{ channels: 2, stateSize: 4, modes: { A: neg(2), B: C(2, 3), V: C(4, 5) }, dtMin: real(0.01), dtMax: real(0.1), seed: 1, disc: 'bilinear', bidirectional: true, glu: true, dropout: real(0.1) }],
    'S4DLayer#full': {
      make: () => new mod.S4DLayer({ channels: 2, stateSize: 4, seed: 1, disc: 'bilinear', bidirectional: true, glu: true, dropout: 0.25 }),
      method: 'forward',
      args: () => [M(3, 4)],
      nan: 'reject',
    },
    S4DAdamW: () => [{ lr: real(0.01), ssmLr: real(0.001), weightDecay: real(0.01), eps: real(1e-8), betas: [real(0.9), real(0.999)] }],
    'S4DAdamW#step': {
      make: () => new mod.S4DAdamW({ lr: 0.01, ssmLr: 0.001 }),
      method: 'step',
      args: () => {
        const l = new mod.S4DLayer({ channels: 2, stateSize: 4, seed: 1, glu: true });
        l.backward(l.forward(M(2, 4)));
        // A parameter's name is a free-form key (any string is legal; unknown ones join the default group): kept.
        return [l.parameters().map((p) => ({ name: keep(p.name), value: p.value, grad: p.grad, shape: p.shape }))];
      },
      nan: 'reject',
    },
    S4DClassifier: () => [{ classes: 3, inputDim: 1, dModel: 2, depth: 1, stateSize: 2, prenorm: false, bidirectional: true, disc: 'zoh', dropout: real(0.1), init: 'inv', dtMin: real(0.01), dtMax: real(0.1), seed: 1 }],
    'S4DClassifier#forward': { make: () => new mod.S4DClassifier({ classes: 3, dModel: 2, depth: 2, stateSize: 2, seed: 1 }), method: 'forward', args: () => [M(2, 5)], nan: 'reject' },
    isS4DSsmParameter: { args: () => ['layers.0.logDt'], total: true },
    digitsAccuracy: () => [keep(new mod.S4DClassifier({ classes: 10, dModel: 2, depth: 1, stateSize: 2, seed: 1 })), data(mod.uciDigits().test), 3],
    uciDigits: () => [],
    trainS4DDigits: () => [{ dModel: 2, depth: 1, stateSize: 2, steps: 2, batch: 2, trainSize: 4, testSize: 3, evalEvery: 1, lr: real(0.01), ssmLr: real(0.001), weightDecay: real(0.01), paramGroups: true, bidirectional: true, seed: 1, signal: signal() }],
    'S4DLayer#forward': { make: layer, method: 'forward', args: () => [M(8, 2)], nan: 'reject' },
    s4dRecurrence: () => [s4d(), V(8), { disc: 'zoh', D: real(0.5) }],
    s5Apply: () => [mod.s5Init(4, 2, { seed: 1 }), M(6, 2), { scan: 'parallel', disc: 'zoh' }],
    s5Backward: () => [mod.s5Init(4, 2, { seed: 1 }), M(6, 2), M(6, 2), { scan: 'parallel', disc: 'zoh' }],
    s5Discretize: () => [mod.s5Init(4, 2, { seed: 1 }), 'bilinear'],
    s5Init: () => [4, 2, { init: 'hippo-n', blocks: 1, conjSym: false, seed: 1, dtMin: real(0.01), dtMax: real(0.1) }],
    sequentialScan: () => [data(scan())],
    skewEig: () => {
      const a = M(4, 4);
      const s = M(4, 4);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) s.data[i * 4 + j] = a.data[i * 4 + j] - a.data[j * 4 + i];
      return [s];
    },
    smoothDelayBatch: () => [2, 8, 2, r(), { rate: 2, maxFreq: 3, terms: 3 }],
    spectralNorm: () => [M(3, 4)],
    tensorAttention: () => [data(att())],
    tensorAttentionPoly: () => [att(), { degree: 2 }],
    trainS3WordProblem: () => [{ nh: 1, betaMax: 2, d: 4, seed: 1, trainLength: 4, steps: 2, batch: 2, lr: real(0.01), signal: signal() }],
    trainS4DDelay: () => [{ L: 8, delay: 2, trainSize: 4, steps: 2, batch: 2, lr: real(0.01), stateSize: 4, seed: 1, signal: signal() }],
    transferDense: () => [M(3, 3), V(3), V(3, 2), C(4)],
    transferDiag: () => [{ A: neg(4), B: C(4, 3), C: C(4, 5) }, C(4, 7), { conjPairs: true }],
    vandermondeGpuInputs: () => [bank(), 8, { disc: 'zoh' }],
  };
};
