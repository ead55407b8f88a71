import { check, type Experiment, type ExperimentResult, experimentResult, type ExperimentRunOptions } from '@x/gpu/experiments';
import { legsKernelError } from '../legs-kernel-error';
import { s4dInit } from '../s4d-init';
import { s4dKernel } from '../vandermonde';
import { checkAborted } from './util';
import { yieldToEventLoop } from '../yield';

/**
 * S4D paper (Gu et al. 2022), Sec. 3 / Thm. 3: the S4D-LegS kernel converges to the S4
 * (HiPPO-LegS, DPLR) kernel as N grows. Measured here on the ZOH kernel with C = e0.
 */
export const s4dKernelErrorExperiment: Experiment = {
  id: 'ssm/s4d-legs-kernel-error',
  pkg: '@x/ssm',
  title: 'S4D-LegS kernel approaches the dense HiPPO-LegS kernel as N doubles',
  claim:
    'S4D (Gu et al., 2022, Thm. 3): the diagonal S4D-LegS SSM (normal part of HiPPO-LegS) has the same kernel as S4-LegS in the limit N -> infinity; the ZOH kernel error roughly halves per doubling of N.',
  async run(opts: ExperimentRunOptions = {}): Promise<ExperimentResult> {
    checkAborted(opts.signal);
    const Ns = opts.quick ? [16, 32, 64, 128] : [16, 32, 64, 128, 256];
    const errs: number[] = [];
    let last: { diag: Float64Array; dense: Float64Array } | null = null;
    for (let i = 0; i < Ns.length; i++) {
      checkAborted(opts.signal);
      const r = legsKernelError(Ns[i]!, { dt: 0.01, L: 1000 });
      errs.push(r.error);
      last = r;
      opts.onProgress?.({ fraction: (i + 1) / Ns.length, message: `N = ${Ns[i]}: rel. error ${r.error.toExponential(2)}` });
      await yieldToEventLoop();
    }
    let monotone = true;
    for (let i = 1; i < errs.length; i++) if (!(errs[i]! < errs[i - 1]!)) monotone = false;
    const ratio = errs[errs.length - 1]! / errs[0]!;
    // ZOH kernels of each S4D initialization (N = 64, C = 1 per mode, dt = 0.01), for the demo page
    const initLags = Array.from({ length: 500 }, (_, l) => l * 0.01);
    const initSeries = (['lin', 'inv', 'real', 'legs'] as const).map((kind) => {
      const { A, B } = s4dInit(64, { kind, bScale: kind === 'legs' ? 0.5 : 1 });
      const C = { re: new Float64Array(32).fill(1 / 32), im: new Float64Array(32) };
      return { name: `S4D-${kind}`, x: initLags, y: Array.from(s4dKernel({ A, B, C, dt: 0.01 }, 500)) };
    });
    const show = Math.min(300, last!.dense.length);
    const lags = Array.from({ length: show }, (_, l) => l * 0.01);
    return experimentResult({
      checks: [
        check('the kernel error decreases at every doubling of N', monotone, errs.map((e) => e.toFixed(3)).join(', ')),
        check(`it falls by more than 4x from N = ${Ns[0]} to ${Ns[Ns.length - 1]}`, ratio < 0.25, `ratio ${ratio.toFixed(3)}`),
      ],
      summary: `Relative L2 kernel error (dt = 0.01, L = 1000, C = e0): ${Ns.map((n, i) => `N=${n}: ${errs[i]!.toFixed(3)}`).join(', ')}; ${monotone ? 'decreasing' : 'NOT decreasing'} with N.`,
      metrics: Object.fromEntries(Ns.map((n, i) => [`relErr_N${n}`, errs[i]!])),
      plots: [
        {
          title: 'S4D-LegS vs dense HiPPO-LegS: ZOH kernel error',
          caption: 'The error should fall at every doubling of N, by more than 4x overall; the dashed 1/N line is for scale.',
          xLabel: 'state size N',
          yLabel: 'relative L2 error',
          logX: true,
          logY: true,
          series: [
            { name: 'S4D-LegS', x: Ns, y: errs },
            { name: '1/N reference', x: Ns, y: Ns.map((n) => (errs[0]! * Ns[0]!) / n) },
          ],
        },
        {
          title: `Kernels at N = ${Ns[Ns.length - 1]}`,
          caption: 'At the largest N the diagonal kernel should lie close to the dense one.',
          xLabel: 't = l dt',
          yLabel: 'K_l',
          series: [
            { name: 'dense HiPPO-LegS (S4)', x: lags, y: Array.from(last!.dense.subarray(0, show)) },
            { name: 'S4D-LegS (diagonal)', x: lags, y: Array.from(last!.diag.subarray(0, show)) },
          ],
        },
        { title: 'ZOH kernels of the S4D initializations (N = 64, C = 1/32, dt = 0.01)', xLabel: 't = l dt', yLabel: 'K_l', series: initSeries, caption: 'What each initialization starts from: how fast each kernel decays and how much it oscillates.' },
      ],
    });
  },
};
