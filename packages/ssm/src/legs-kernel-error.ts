import { checkOptions } from '@x/gpu/checks';
import { checkInt, checkPositive } from './complex';
import { denseSsmKernel } from './dense-ssm';
import { hippoLegS } from './hippo';
import { hippoNormalEig } from './normal-eig';
import { s4dKernel } from './vandermonde';

/**
 * Relative L2 error between the S4D-LegS ZOH kernel (normal part of HiPPO-LegS, B/2, C = e0
 * mapped to C V) and the dense HiPPO-LegS (S4) ZOH kernel with C = e0 (S4D paper Sec. 3, Thm. 3:
 * S4D-LegS converges to S4-LegS as N -> infinity; the convergence is weak, ~1/N, and holds for
 * this kernel, not pointwise for the basis). Measured with numpy: 0.69, 0.49, 0.21, 0.11, 0.053
 * for N = 16 ... 256 at dt = 0.01, L = 1000.
 * @returns `{ error, diag, dense }` (kernels of length L).
 */
export function legsKernelError(
  N: number,
  opts: { dt?: number; L?: number } = {},
): { error: number; diag: Float64Array; dense: Float64Array } {
  const fn = 'legsKernelError';
  checkInt(fn, 'N', N, 2);
  checkOptions(fn, opts, ['dt', 'L']);
  const dt = checkPositive(fn, 'dt', opts.dt ?? 0.01);
  const L = checkInt(fn, 'L', opts.L ?? 1000, 1);
  const { A, B } = hippoLegS(N);
  const C = new Float64Array(N);
  C[0] = 1;
  const dense = denseSsmKernel({ A, B, C, dt }, L, { disc: 'zoh' });
  const { lambda, V } = hippoNormalEig(N);
  const h = N / 2;
  const mk = () => ({ re: new Float64Array(h), im: new Float64Array(h) });
  const Ad = mk();
  const Bd = mk();
  const Cd = mk();
  for (let j = 0; j < h; j++) {
    Ad.re[j] = lambda.re[j]!;
    Ad.im[j] = lambda.im[j]!;
    let br = 0;
    let bi = 0;
    for (let i = 0; i < N; i++) {
      br += V.re.data[i * N + j]! * B[i]!;
      bi -= V.im.data[i * N + j]! * B[i]!;
    }
    Bd.re[j] = 0.5 * br;
    Bd.im[j] = 0.5 * bi;
    // C V with C = e0: row 0 of V.
    Cd.re[j] = V.re.data[j]!;
    Cd.im[j] = V.im.data[j]!;
  }
  const diag = s4dKernel({ A: Ad, B: Bd, C: Cd, dt }, L, { disc: 'zoh' });
  let num = 0;
  let den = 0;
  for (let l = 0; l < L; l++) {
    num += (diag[l]! - dense[l]!) ** 2;
    den += dense[l]! ** 2;
  }
  return { error: Math.sqrt(num / den), diag, dense };
}
