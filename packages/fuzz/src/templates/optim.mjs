import { data, keep, M, real, V } from '../dsl.mjs';

// Templates for @x/optim. Optimizers refuse non-finite weights and gradients (nan: 'reject').
export default (mod) => {
  const params = (rows = 6, cols = 4) => [
    // A parameter's name is a free-form key (any string is legal): kept; value, grad and shape are mutated.
    { name: keep('w'), value: V(rows * cols), grad: V(rows * cols, 3), shape: [rows, cols] },
    { name: keep('b'), value: V(rows), grad: V(rows, 4), shape: [rows] },
  ];
  const step = (Opt, opts) => ({ make: () => new Opt(opts), method: 'step', args: () => [params()], nan: 'reject' });
  const sensing = () => mod.gaussianSensing(4, 12, { seed: 1 });
  return {
    AdamW: () => [{ lr: real(0.01), betas: [real(0.9), real(0.999)], eps: real(1e-8), weightDecay: real(0.01), decoupled: true }],
    'AdamW#step': step(mod.AdamW, { lr: 0.01 }),
    addOutliers: () => [V(10), { fraction: real(0.2), magnitude: real(5), seed: 1 }],
    adjoint: () => [keep(sensing()), V(12), 4],
    ARO: () => [{ lr: real(0.01), momentum: real(0.9), base: 'sign', baseEps: real(1e-8) }],
    'ARO#step': step(mod.ARO, { lr: 0.01 }),
    aroRotationFixedPoint: () => [M(4, 4), 3, (x) => x, { shift: real(0.1) }],
    DctAdamW: () => [{ lr: real(0.01), rank: 2, updateProjGap: 2, norm: 2 }],
    'DctAdamW#step': step(mod.DctAdamW, { lr: 0.01, rank: 2 }),
    dctBackProject: () => [M(6, 2), new Int32Array([0, 2]), 'right', 4],
    dctProject: () => [M(6, 4), new Int32Array([0, 2]), 'right'],
    dctProjection: () => [M(6, 4), 2, { norm: 2, side: 'right' }],
    GaLoreAdamW: () => [{ lr: real(0.01), rank: 2, updateProjGap: 2, scale: real(0.25) }],
    'GaLoreAdamW#step': step(mod.GaLoreAdamW, { lr: 0.01, rank: 2 }),
    gaussianSensing: () => [4, 12, { seed: 1, symmetric: true }],
    matrixSensing: () => [M(4, 4), { mode: 'asymmetric', k: 2, alpha: real(0.01), eta: real(0.05), steps: 3, seed: 1 }],
    measure: () => [keep(sensing()), M(4, 4)],
    Muon: () => [{ lr: real(0.02), momentum: real(0.95), nesterov: true, nsSteps: 5, weightDecay: real(0) }],
    'Muon#step': step(mod.Muon, { lr: 0.02 }),
    Trion: () => [{ lr: real(0.02), rank: 2, momentum: real(0.95), norm: 2, nsSteps: 5, weightDecay: real(0), shapeScale: 'keller' }],
    'Trion#step': step(mod.Trion, { lr: 0.02, rank: 2 }),
    'Muon#reshape': {
      make: () => {
        const m = new mod.Muon({ lr: 0.02 });
        m.step(params(6, 4).slice(0, 1));
        return m;
      },
      method: 'step',
      args: () => [params(4, 6).slice(0, 1)],
      // The same name with a transposed shape must not reuse the old state.
      expectBase: 'reject',
      mutate: false,
    },
    muonShapeScale: () => ['keller', 6, 4],
    newtonSchulz5: () => [M(4, 6), { steps: 5 }],
    // Saved state is data, not an options object.
    optimizerFromJSON: () => [data(new mod.SGD({ lr: 0.1 }).toJSON())],
    rowNormalize: { args: () => [M(4, 6)], nan: 'reject' },
    scheduleFactor: () => [{ kind: 'warmupCosine', warmup: 2, total: 10, minFactor: real(0.1) }, 3],
    SGD: () => [{ lr: real(0.1), momentum: real(0.9) }],
    'SGD#step': step(mod.SGD, { lr: 0.1 }),
    shiftedCholeskyQR: () => [M(8, 4), { shift: real(1e-6), orthTol: real(1e-6) }],
    signStep: () => [M(4, 6)],
    sinkhornStep: () => [M(4, 6), { iterations: 3, mode: 'alternating' }],
    subgm: () => [keep(sensing()), V(12), { d: 4, rank: 2, alpha: real(0.1), rho: real(0.9), steps: 3, loss: 'l1' }],
    warmupCosine: () => [{ warmup: 2, total: 10, minFactor: real(0.1) }],
  };
};
