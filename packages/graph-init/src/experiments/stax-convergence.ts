import { rng } from '@x/gpu';
import { check, type Experiment, experimentParams, experimentResult, type ExperimentRunOptions, throwIfAborted } from '@x/gpu/experiments';
import {
  staxAvgPool,
  staxConv,
  staxDense,
  staxErf,
  staxFanInSum,
  staxFanOut,
  staxFlatten,
  staxGelu,
  staxGlobalAvgPool,
  staxIdentity,
  staxLayerNorm,
  staxParallel,
  staxRelu,
  staxSerial,
} from '../stax/layers';
import { staxEmpiricalKernels, staxEmpiricalNngp, staxInit, staxKernel } from '../stax/run';
import type { StaxLayer, StaxTensor } from '../stax/types';
import { logLogSlope, relFro } from './log-log';

/** One layer kind of the Monte-Carlo check: a body builder of width w and its input shape. */
export interface ConvergenceCase {
  name: string;
  body: (w: number) => StaxLayer;
  inShape: number[];
  /** Widths (hidden units or channels) for the full and quick sizes. */
  widths: number[];
  quickWidths: number[];
}

const r2 = { wStd: Math.SQRT2, bStd: 0.3 };

/** The layer kinds checked by the tests and the experiment (small inputs: seconds on a CPU). */
export const STAX_CONVERGENCE_CASES: ConvergenceCase[] = [
  { name: 'dense + relu', body: (w) => staxSerial(staxDense(w, r2), staxRelu(), staxDense(w, r2)), inShape: [6], widths: [32, 128, 512, 1024], quickWidths: [32, 128, 512] },
  { name: 'erf', body: (w) => staxSerial(staxDense(w, { wStd: 1.5 }), staxErf(), staxDense(w)), inShape: [6], widths: [32, 128, 512, 1024], quickWidths: [32, 128, 512] },
  { name: 'gelu', body: (w) => staxSerial(staxDense(w, r2), staxGelu(), staxDense(w)), inShape: [6], widths: [32, 128, 512, 1024], quickWidths: [32, 128, 512] },
  {
    name: 'conv 2-D SAME',
    body: (w) => staxSerial(staxConv(w, [3, 3], { padding: 'SAME', ...r2 }), staxRelu(), staxConv(w, [3, 3], { padding: 'SAME' })),
    inShape: [4, 4, 2],
    widths: [8, 32, 128, 256],
    quickWidths: [8, 32, 128],
  },
  {
    name: 'conv 1-D stride 2 + avgPool',
    body: (w) => staxSerial(staxConv(w, [3], { strides: [2], ...r2 }), staxRelu(), staxAvgPool([2], { strides: [1], padding: 'SAME' }), staxConv(w, [2])),
    inShape: [9, 2],
    widths: [16, 64, 256, 1024],
    quickWidths: [16, 64, 256],
  },
  {
    name: 'globalAvgPool',
    body: (w) => staxSerial(staxConv(w, [2, 2], { padding: 'SAME', ...r2 }), staxRelu(), staxGlobalAvgPool(), staxDense(w)),
    inShape: [3, 3, 2],
    widths: [16, 64, 256, 1024],
    quickWidths: [16, 64, 256],
  },
  {
    name: 'fanInSum residual',
    body: (w) => staxSerial(staxDense(w, r2), staxFanOut(2), staxParallel(staxIdentity(), staxSerial(staxRelu(), staxDense(w, r2))), staxFanInSum()),
    inShape: [6],
    widths: [32, 128, 512, 1024],
    quickWidths: [32, 128, 512],
  },
  { name: 'layerNorm', body: (w) => staxSerial(staxDense(w, r2), staxRelu(), staxDense(w), staxLayerNorm()), inShape: [6], widths: [32, 128, 512, 1024], quickWidths: [32, 128, 512] },
];

/** Result of {@link kernelConvergence}. */
export interface ConvergenceResult {
  widths: number[];
  /** Mean relative Frobenius error of the empirical NNGP (full spatial covariance) per width. */
  errNngp: number[];
  /** The same for the empirical NTK of `body, [flatten,] dense(1)`. */
  errNtk: number[];
  slopeNngp: number;
  slopeNtk: number;
}

/**
 * Monte-Carlo check of one layer kind: the empirical NNGP of `body(w)` (per-channel covariance of
 * its output over all position pairs) and the empirical NTK of `body(w)` with a scalar readout
 * (flatten first when the output is spatial), against {@link staxKernel}, averaged over `seeds`
 * draws per width on 4 seeded Gaussian inputs.
 */
export function kernelConvergence(c: ConvergenceCase, widths: number[], seeds: number, seed = 0): ConvergenceResult {
  const n = c.inShape.reduce((a, b) => a * b, 1);
  const x: StaxTensor = { shape: [4, ...c.inShape], data: rng(seed * 7919 + 11).fillNormal(new Float64Array(4 * n)) };
  const readout = (b: StaxLayer): StaxLayer => (c.inShape.length > 1 ? staxSerial(b, staxFlatten(), staxDense(1)) : staxSerial(b, staxDense(1)));
  const kb = staxKernel(c.body(1), x);
  const kn = staxKernel(readout(c.body(1)), x);
  const errNngp: number[] = [];
  const errNtk: number[] = [];
  for (const w of widths) {
    let ek = 0;
    let et = 0;
    for (let s = 0; s < seeds; s++) {
      const b = c.body(w);
      const net = readout(b);
      const { params } = staxInit(net, c.inShape, seed * 1_000_003 + 1000 * w + s);
      ek += relFro(staxEmpiricalNngp(b, params.slice(0, b.paramCount), x).data, kb.nngp.data) / seeds;
      et += relFro(staxEmpiricalKernels(net, params, x).ntk.data, kn.ntk.data) / seeds;
    }
    errNngp.push(ek);
    errNtk.push(et);
  }
  return { widths, errNngp, errNtk, slopeNngp: logLogSlope(widths, errNngp), slopeNtk: logLogSlope(widths, errNtk) };
}

/**
 * Tensor Programs I for the stax-like layers: for every layer kind (dense, erf, GELU, 2-D conv
 * with SAME padding, 1-D strided conv with average pooling, global pooling, a FanInSum residual
 * block, LayerNorm) the empirical NNGP and NTK of random finite networks approach the analytic
 * kernels with relative error ∝ 1/√width.
 */
export const staxConvergenceExperiment: Experiment = {
  id: 'graph-init/stax-convergence',
  pkg: '@x/graph-init',
  title: 'NNGP/NTK of stax layers: finite networks → analytic kernels at rate 1/√width',
  claim:
    'By Tensor Programs I (Yang 2019) and Novak et al. 2019 (CNN-GPs), the NNGP and NTK of random networks built from dense, conv, pooling, residual and LayerNorm layers converge to the infinite-width kernels that neural-tangents computes, with fluctuations ∝ 1/√width.',
  params: [
    { name: 'seeds', label: 'networks per width', kind: 'int', min: 2, max: 40, default: 10, quick: 6 },
  ],
  async run(opts: ExperimentRunOptions = {}) {
    throwIfAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const quick = opts.quick === true;
    const cases = quick ? STAX_CONVERGENCE_CASES.filter((c) => ['dense + relu', 'conv 1-D stride 2 + avgPool', 'fanInSum residual', 'layerNorm'].includes(c.name)) : STAX_CONVERGENCE_CASES;
    const { seeds } = experimentParams(staxConvergenceExperiment, opts) as { seeds: number };
    const results: { c: ConvergenceCase; r: ConvergenceResult }[] = [];
    for (const [i, c] of cases.entries()) {
      throwIfAborted(opts.signal);
      results.push({ c, r: kernelConvergence(c, quick ? c.quickWidths : c.widths, seeds, seed) });
      opts.onProgress?.({ fraction: (i + 1) / cases.length, message: c.name });
      await Promise.resolve();
    }
    const inRange = (s: number): boolean => s > -0.8 && s < -0.3;
    const badK = results.filter(({ r }) => !inRange(r.slopeNngp));
    const badT = results.filter(({ r }) => !inRange(r.slopeNtk));
    const list = (pick: (r: ConvergenceResult) => number): string => results.map(({ c, r }) => `${c.name} ${pick(r).toFixed(2)}`).join(', ');
    const plot = (what: 'NNGP' | 'NTK') => {
      const series = results.map(({ c, r }) => ({ name: c.name, x: r.widths, y: what === 'NNGP' ? r.errNngp : r.errNtk }));
      const all = series.flatMap((s) => s.x);
      const lo = Math.min(...all);
      const hi = Math.max(...all);
      const first = series.map((s) => s.y[0]! * Math.sqrt(s.x[0]!));
      const c0 = first.reduce((a, b) => a + b, 0) / first.length;
      return {
        title: `Empirical ${what} vs analytic: relative Frobenius error`,
        caption: `Every layer kind's ${what} error should fall parallel to the dashed c/√width line (slope −½).`,
        xLabel: 'width (units or channels)',
        yLabel: 'relative error',
        logX: true,
        logY: true,
        series,
        references: [{ kind: 'curve' as const, label: 'c/√width (slope −½)', x: [lo, hi], y: [c0 / Math.sqrt(lo), c0 / Math.sqrt(hi)] }],
      };
    };
    return experimentResult({
      checks: [
        check('every layer kind\'s NNGP error falls like 1/√width (log-log slope in (−0.8, −0.3))', badK.length === 0, list((r) => r.slopeNngp)),
        check('and so does every NTK error', badT.length === 0, list((r) => r.slopeNtk)),
      ],
      summary: `Log-log slopes (theory −0.5), NNGP: ${list((r) => r.slopeNngp)}; NTK: ${list((r) => r.slopeNtk)}.`,
      plots: [plot('NNGP'), plot('NTK')],
      metrics: Object.fromEntries(results.flatMap(({ c, r }) => [[`slopeNngp ${c.name}`, r.slopeNngp], [`slopeNtk ${c.name}`, r.slopeNtk]])),
    });
  },
};
