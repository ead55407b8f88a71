import { rng } from '@x/gpu';
import { bytes, data, keep, labels, M, onehot, real, signal, V } from '../dsl.mjs';

// Templates for @x/nn. Layers, losses and optimizers refuse non-finite data (nan: 'reject').
export default (mod) => {
  const lin = (i = 4, o = 3) => new mod.Linear(i, o, { seed: 1 });
  const quad = (x) => {
    let v = 0;
    const g = new Float64Array(x.data.length);
    for (let i = 0; i < g.length; i++) {
      v += x.data[i] * x.data[i];
      g[i] = 2 * x.data[i];
    }
    return { value: v, grad: { rows: x.rows, cols: x.cols, data: g } };
  };
  const layer = (make, x = () => M(2, 4)) => ({
    make: () => make(),
    method: 'forward',
    args: () => [x()],
    nan: 'reject',
  });
  const backward = (make, x, dy) => ({
    make: () => {
      const m = make();
      m.forward(x());
      return m;
    },
    method: 'backward',
    args: () => [dy()],
    nan: 'reject',
  });
  // A parameter's name is a free-form key (any string is legal, 'fuzz-bogus' included): kept,
  // while value, grad and shape are still mutated.
  const params = () => lin().parameters().map((q) => ({ name: keep(q.name), value: q.value, grad: q.grad, shape: q.shape }));
  const step = (Opt, opts) => ({
    make: () => new Opt(opts),
    method: 'step',
    args: () => {
      const p = params();
      for (const q of p) q.grad.set(V(q.grad.length, 3));
      return [p];
    },
    nan: 'reject',
  });
  const cfg = () => ({ vocabSize: 7, dim: 4, numLayers: 1, numHeads: 2, numKvHeads: 1, hidden: 6, ropeBase: real(10000), normEps: real(1e-6), initStd: real(0.02), seed: 1 });
  const linJSON = () => {
    const j = lin().toJSON();
    return data({ ...j, config: { ...j.config, name: keep(j.config.name) } });
  };
  const lm = () => new mod.TransformerLM({ vocabSize: 7, dim: 4, numLayers: 1, numHeads: 2, hidden: 6, seed: 1 });
  const ids = (n, k) => ({ rows: n, cols: 1, data: Float64Array.from(labels(n, k)) });
  const mha = () => new mod.MultiHeadAttention(4, { numHeads: 2, seed: 1 });
  const decLm = lm();
  const decMha = new mod.MultiHeadAttention(4, { numHeads: 2, numKvHeads: 1, rope: true, seed: 1 });
  const decBlock = new mod.TransformerBlock({ dim: 4, numHeads: 2, hidden: 6, seed: 1 }, 1);
  return {
    applyRope: { args: () => [V(2 * 2 * 4), 2, 2, 4, 2, real(10000), false], finite: true },
    // Saved module JSON is data, not options, and a layer's name is a free-form string.
    childFromJSON: () => [keep('fuzz'), keep('child'), linJSON()],
    ContainerModule: {
      args: () => [],
      mutate: false,
      call: (C) => {
        class Pair extends C {
          label = 'Pair';
          a = lin();
          namedChildren() {
            return [['a', this.a]];
          }
          forward(x) {
            return this.a.forward(x);
          }
          backward(dy) {
            return this.a.backward(dy);
          }
          toJSON() {
            return this.a.toJSON();
          }
        }
        return new Pair().parameters().map((p) => p.value);
      },
    },
    Conv1d: () => [3, 2, { outChannels: 3, causal: true, bias: true, seqLen: 4, seed: 1 }],
    'Conv1d#forward': layer(() => new mod.Conv1d(3, 2, { seqLen: 4, seed: 1 }), () => M(8, 3)),
    Dropout: () => [real(0.25), { seed: 1 }],
    'Dropout#forward': layer(() => new mod.Dropout(0.25, { seed: 1 })),
    Embedding: () => [7, 4, { seed: 1, std: real(0.02) }],
    'Embedding#forward': { make: () => new mod.Embedding(7, 4, { seed: 1 }), method: 'forward', args: () => [ids(3, 7)] },
    GLU: () => [4, 6, { activation: 'silu', seed: 1 }],
    'GLU#forward': layer(() => new mod.GLU(4, 6, { seed: 1 })),
    isContainer: { args: () => [lin()], total: true },
    LayerNorm: () => [4, { eps: real(1e-5), bias: true }],
    'LayerNorm#forward': layer(() => new mod.LayerNorm(4)),
    lmCrossEntropy: { args: () => [M(5, 7), labels(5, 7), { reduction: 'mean' }], nan: 'reject', intList: 'labels' },
    loadSafetensors: { args: () => [lin(), bytes(mod.saveSafetensors(lin(), { dtype: 'F64' })), { strict: true }], check: (r) => r ?? 0 },
    loadStateDict: { args: () => [lin(), keep(mod.stateDict(lin())), { strict: true }], check: (r) => r ?? 0 },
    MultiHeadAttention: () => [4, { numHeads: 2, numKvHeads: 1, causal: true, rope: true, ropeBase: real(10000), seqLen: 2, seed: 1 }],
    'MultiHeadAttention#forward': layer(() => mha(), () => M(2, 4)),
    namedModules: () => [keep(lm()), keep('')],
    PreNormResidual: () => [new mod.RMSNorm(4), lin(4, 4)],
    'PreNormResidual#forward': layer(() => new mod.PreNormResidual(new mod.RMSNorm(4), lin(4, 4))),
    readStateDict: { args: () => [bytes(mod.saveSafetensors(lin()))], check: (sd) => [...sd.values()].map((t) => t.data) },
    RMSNorm: () => [4, { eps: real(1e-6) }],
    'RMSNorm#forward': layer(() => new mod.RMSNorm(4)),
    // The generator is a struct (its methods are mutated), not an options object.
    sampleToken: () => [V(7), { temperature: real(0.8), topK: 3 }, data(rng(1))],
    saveSafetensors: () => [lin(), { dtype: 'F32', metadata: data({ format: keep('pt') }) }],
    setModule: { args: () => [keep(lm()), keep('model.norm'), new mod.RMSNorm(4)], check: () => 0 },
    stateDict: { args: () => [lin()], check: (sd) => [...sd.values()].map((t) => t.data) },
    SwiGLU: () => [4, 6, { seed: 1 }],
    'SwiGLU#forward': layer(() => new mod.SwiGLU(4, 6, { seed: 1 })),
    TransformerBlock: () => [data({ dim: 4, numHeads: 2, numKvHeads: 1, hidden: 6, ropeBase: real(10000), normEps: real(1e-6), initStd: real(0.02) }), 1],
    'TransformerBlock#forward': layer(() => new mod.TransformerBlock({ dim: 4, numHeads: 2, hidden: 6, seed: 1 }, 1), () => M(2, 4)),
    TransformerLM: () => [data(cfg())],
    'TransformerLM#forward': { make: lm, method: 'forward', args: () => [ids(3, 7)] },
    'TransformerLM#generate': { make: lm, method: 'generate', args: () => [[1, 2, 3], { maxNewTokens: 3, temperature: real(0.8), topK: 3, seed: 1, contextLength: 4, cache: true }] },
    'TransformerLM#decode': { make: lm, method: 'decode', args: () => [[1, 2, 3]] },
    // A state is only accepted by the model that made it: one model, its state kept.
    'TransformerLM#decode (continued)': { make: () => decLm, method: 'decode', args: () => [[4], keep(decLm.decode([1, 2]).state)] },
    'MultiHeadAttention#decode': { make: () => decMha, method: 'decode', args: () => [M(2, 4), keep(decMha.decode(M(1, 4, 3), decMha.initDecode()).state)], nan: 'reject' },
    'TransformerBlock#decode': { make: () => decBlock, method: 'decode', args: () => [M(2, 4), keep(decBlock.initDecode())], nan: 'reject' },
    accuracy: { args: () => [M(5, 3), labels(5, 3)], intList: 'labels' },
    Activation: { skip: 'abstract base class; its subclasses are fuzzed' },
    Adam: () => [{ lr: real(0.01), beta1: real(0.9), beta2: real(0.999), eps: real(1e-8), weightDecay: real(0) }],
    'Adam#step': step(mod.Adam, { lr: 0.01 }),
    assertGradCheck: { args: () => [quad, M(2, 3), { eps: real(1e-6) }] },
    backwardWith: {
      args: () => {
        const l = lin();
        l.forward(M(2, 4));
        return [keep(l), M(2, 3), {}];
      },
      nan: 'reject',
    },
    // Scalar special functions are defined at ±Infinity (their limits), so those mutations are not
    // garbage; NaN and non-numbers are still refused with a DomainError (nn's activations test).
    erf: { args: () => [real(0.3)], total: true },
    erfc: { args: () => [real(0.3)], total: true },
    fit: {
      args: () => [
        {
          model: lin(4, 1),
          loss: mod.mseLoss,
          optimizer: new mod.SGD({ lr: 0.01 }),
          data: { x: M(6, 4), y: M(6, 1, 2) },
          steps: 3,
          batchSize: 2,
          seed: 1,
          signal: signal(),
        },
      ],
      nan: 'reject',
    },
    forwardWith: { args: () => [keep(lin()), M(2, 4), {}], nan: 'reject' },
    GELU: () => [{ approximate: 'tanh' }],
    'GELU#forward': layer(() => new mod.GELU()),
    gradCheck: { args: () => [quad, M(2, 3), { eps: real(1e-6) }] },
    GradCheckError: { args: () => [keep('message'), keep({})], total: true },
    initBias: () => [4, 3, 'fan-in-uniform', 1],
    initScale: () => ['xavier-uniform', 4, 3, { gain: real(1) }],
    initWeight: () => [3, 4, 'kaiming-normal', 1, { gain: real(1) }],
    l1Loss: { args: () => [M(3, 2), M(3, 2, 2), { reduction: 'mean' }], nan: 'reject' },
    Linear: () => [4, 3, { seed: 1, init: 'xavier-uniform', bias: true, biasInit: 'zeros' }],
    'Linear#forward': layer(() => lin()),
    'Linear#backward': backward(() => lin(), () => M(2, 4), () => M(2, 3, 2)),
    mlpRegressionExperiment: { args: () => [{ seed: 1, steps: 3, hidden: 4, activation: 'tanh', lr: real(0.01), batchSize: 4 }] },
    // Like stateJSON in @x/gpu: config and state values are the saving class's to check on restore.
    moduleJSON: () => [keep('Fuzz'), data({ n: keep(2) }), data({ w: keep(V(3)) })],
    readModuleJSON: { args: () => [keep('Fuzz'), keep('Fuzz'), keep(mod.moduleJSON('Fuzz', { n: 2 }, { w: V(3) }))], call: (f, a) => f(...a).raw('w') },
    moduleFromJSON: () => [linJSON()],
    mseLoss: { args: () => [M(3, 2), M(3, 2, 2), { reduction: 'sum' }], nan: 'reject' },
    parameterCount: () => [lin()],
    prefixParameters: () => [keep('body'), params()],
    psnr: { args: () => [M(3, 2), M(3, 2, 2), { maxValue: real(1) }], nan: 'reject' },
    registerModule: () => [keep('FuzzModule'), () => lin()],
    ReLU: () => [],
    'ReLU#forward': layer(() => new mod.ReLU()),
    Residual: () => [new mod.Linear(3, 3, { seed: 1 })],
    'Residual#forward': layer(() => new mod.Residual(new mod.Linear(4, 4, { seed: 1 }))),
    Sequential: () => [[lin(), new mod.Tanh()]],
    'Sequential#forward': layer(() => new mod.Sequential([lin(), new mod.Tanh()])),
    SGD: () => [{ lr: real(0.1), momentum: real(0.9), weightDecay: real(0) }],
    'SGD#step': step(mod.SGD, { lr: 0.1 }),
    sigmoid: { args: () => [real(0.3)], total: true },
    Sigmoid: () => [],
    'Sigmoid#forward': layer(() => new mod.Sigmoid()),
    SiLU: () => [],
    'SiLU#forward': layer(() => new mod.SiLU()),
    Sine: () => [{ omega0: real(30) }],
    'Sine#forward': layer(() => new mod.Sine()),
    softmax: { args: () => [M(3, 4)], nan: 'reject' },
    softmaxCrossEntropyLoss: { args: () => [M(5, 3), labels(5, 3), { reduction: 'mean' }], nan: 'reject', intList: 'labels' },
    'softmaxCrossEntropyLoss#onehot': { method: 'call', make: () => ({ call: mod.softmaxCrossEntropyLoss }), args: () => [M(5, 3), onehot(5, 3)], nan: 'reject' },
    Softplus: () => [{ beta: real(1) }],
    'Softplus#forward': layer(() => new mod.Softplus()),
    Tanh: () => [],
    'Tanh#forward': layer(() => new mod.Tanh()),
    'Tanh#backward': backward(() => new mod.Tanh(), () => M(2, 4), () => M(2, 4, 2)),
    zeroGradOf: () => [params()],
  };
};
