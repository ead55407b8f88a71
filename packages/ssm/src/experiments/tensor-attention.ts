import { type Matrix, rng } from '@x/gpu';
import { check, type Experiment, type ExperimentResult, experimentParams, experimentResult, type ExperimentRunOptions } from '@x/gpu/experiments';
import { tensorAttention, tensorAttentionPoly } from '../tensor-attention';
import { checkAborted } from './util';
import { yieldToEventLoop } from '../yield';

function inputs(n: number, d: number, B: number, seed: number) {
  const r = rng(seed);
  const m = (): Matrix<Float64Array> => ({ rows: n, cols: d, data: r.fillUniform(new Float64Array(n * d), -B, B) });
  return { Q: m(), K1: m(), K2: m(), V1: m(), V2: m() };
}

/** Best of three timed runs after one warm-up run (JIT), in ms. */
function bestOf(f: () => unknown): number {
  f();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function relMaxErr(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return Number.isFinite(d) ? d / m : Number.POSITIVE_INFINITY;
}

/** Alman & Song (ICLR 2024): the polynomial method is accurate and near-linear only for small entries. */
export const tensorAttentionExperiment: Experiment = {
  id: 'ssm/tensor-attention-entry-bound',
  pkg: '@x/ssm',
  title: 'Tensor attention: polynomial method vs naive O(n^3 d), error against the entry bound B',
  claim:
    'Alman & Song (ICLR 2024, Thm. 1.3/1.4): tensor attention can be computed in almost linear time when entries are bounded by B = o(cbrt(log n)) (polynomial method), but the approximation breaks down as B grows.',
  params: [
    { name: 'n', label: 'sequence length (accuracy sweep)', kind: 'int', min: 8, max: 256, step: 8, default: 64, quick: 24 },
  ],
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const seed = opts.seed ?? 0;
    const quick = opts.quick ?? false;
    const d = 3;
    const g = 6;
    const { n } = experimentParams(tensorAttentionExperiment, opts) as { n: number };
    const Bs = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3];
    const errs: number[] = [];
    for (const B of Bs) {
      checkAborted(opts.signal);
      const x = inputs(n, d, B, seed);
      errs.push(relMaxErr(tensorAttentionPoly(x, { degree: g }).out.data, tensorAttention(x).data));
    }
    const ns = quick ? [8, 16, 32, 48] : [16, 32, 64, 128];
    const tNaive: number[] = [];
    const tPoly: number[] = [];
    for (const m of ns) {
      checkAborted(opts.signal);
      const x = inputs(m, d, 0.5, seed + 1);
      tNaive.push(bestOf(() => tensorAttention(x)));
      tPoly.push(bestOf(() => tensorAttentionPoly(x, { degree: g })));
      await yieldToEventLoop();
    }
    const small = errs[1]!;
    const large = errs[errs.length - 1]!;
    return experimentResult({
      checks: [
        check('the polynomial method is accurate for small entries: max rel. error < 1e-5 at B = 0.5', small < 1e-5, small.toExponential(1)),
        check('it breaks down for large entries: > 1e-2 at B = 3', large > 1e-2, large.toExponential(1)),
      ],
      summary: `n = ${n}, d = ${d}, Taylor degree ${g}: max relative error ${small.toExponential(1)} at B = 0.5 vs ${large.toExponential(1)} at B = 3; at n = ${ns[ns.length - 1]} naive ${tNaive[tNaive.length - 1]!.toFixed(1)} ms vs polynomial ${tPoly[tPoly.length - 1]!.toFixed(1)} ms.`,
      metrics: { ...Object.fromEntries(Bs.map((B, i) => [`err_B${String(B).replace('.', '_')}`, errs[i]!])), naiveMs: tNaive[tNaive.length - 1]!, polyMs: tPoly[tPoly.length - 1]! },
      plots: [
        {
          title: `Polynomial-method error vs entry bound (n = ${n}, d = ${d}, degree ${g})`,
          caption: 'The error should stay below 1e-5 for small B (0.5) and climb above 1e-2 by B = 3.',
          xLabel: 'entry bound B',
          yLabel: 'max relative error',
          logY: true,
          series: [{ name: 'poly vs naive', x: Bs, y: errs.map((e) => Math.max(e, 1e-17)) }],
        },
        {
          title: 'Time vs n (B = 0.5)',
          caption: 'Timings on this machine (not asserted): the naive O(n³d) curve should climb steeper than the polynomial one.',
          xLabel: 'n',
          yLabel: 'ms',
          logX: true,
          logY: true,
          series: [
            { name: 'naive O(n^3 d)', x: ns, y: tNaive },
            { name: 'polynomial O(n r d)', x: ns, y: tPoly },
          ],
        },
      ],
    });
  },
};
