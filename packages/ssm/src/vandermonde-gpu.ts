import type { Device, KernelLaunch, Matrix } from '@x/gpu';
import { checkAlloc } from '@x/gpu/checks';
import { checkInt } from './complex';
import { accumulateVandermonde, bankChannel, checkBank, checkBankOptions, type S4DBankOptions, type S4DBankParams, s4dVandermondeForm } from './vandermonde';

/** A custom gpu.js kernel launch: @x/gpu's type, re-exported for hosts written against this package. */
export type { KernelLaunch };

/** Something that can run a {@link KernelLaunch}: an @x/gpu gpujs device (`runKernel`), or your own host. */
export interface KernelHost {
  runKernel(launch: KernelLaunch): Promise<Matrix>;
}

/** Where {@link s4dKernelBankDevice} computed, and why it fell back when it did. */
export interface DeviceKernelResult {
  K: Matrix;
  ranOn: 'js' | 'gpujs';
  precision: 'float64' | 'float32';
  fallbackReason?: string;
}

/**
 * The gpu.js source of the S4D Vandermonde kernel: one thread per (channel h, lag l), a loop over
 * the N2 modes. Angles are split as l = 64 lh + ll with both per-mode angle steps reduced mod 2 pi
 * in float64 on the CPU, so float32 never multiplies a large l by a full-precision angle.
 * Inputs (H x N2 each): cr, ci (coefficients, phase-shifted), gr (log|pole|), gs (shift * gr),
 * t1 (arg pole mod 2 pi), t64 (64 arg pole mod 2 pi).
 */
export const VANDERMONDE_GPU_SOURCE = `function (cr, ci, gr, gs, t1, t64) {
  const h = this.thread.y;
  const l = this.thread.x;
  const lh = Math.floor(l / 64);
  const ll = l - lh * 64;
  let s = 0;
  for (let n = 0; n < this.constants.N2; n++) {
    const mag = Math.exp(l * gr[h][n] - gs[h][n]);
    let ang = lh * t64[h][n] + ll * t1[h][n];
    ang = ang - 6.283185307179586 * Math.floor(ang / 6.283185307179586);
    s += mag * (cr[h][n] * Math.cos(ang) - ci[h][n] * Math.sin(ang));
  }
  return 2 * s;
}`;

const TWO_PI = 2 * Math.PI;

function mod2pi(x: number): number {
  const r = x - TWO_PI * Math.floor(x / TWO_PI);
  return r > Math.PI ? r - TWO_PI : r;
}

/** The six H x N2 float64 input matrices of {@link VANDERMONDE_GPU_SOURCE}. */
export function vandermondeGpuInputs(params: S4DBankParams, L: number, opts: S4DBankOptions = {}): Matrix[] {
  const fn = 'vandermondeGpuInputs';
  const disc = checkBankOptions(fn, opts);
  const [H, n2] = checkBank(fn, params, opts.channels);
  checkInt(fn, 'L', L, 1);
  const mats = Array.from({ length: 6 }, () => new Float64Array(H * n2));
  const [cr, ci, gr, gs, t1, t64] = mats as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (let h = 0; h < H; h++) {
    const f = s4dVandermondeForm(bankChannel(params, h, n2), L, disc);
    for (let i = 0; i < n2; i++) {
      const k = h * n2 + i;
      const s = f.shift[i]!;
      // Fold the shift's rotation exp(-i s g_im) into the coefficient (pure phase, exact range).
      const ph = mod2pi(-s * f.g.im[i]!);
      const c = Math.cos(ph);
      const sn = Math.sin(ph);
      cr[k] = f.c.re[i]! * c - f.c.im[i]! * sn;
      ci[k] = f.c.re[i]! * sn + f.c.im[i]! * c;
      // A zero bilinear pole (g = -Infinity) only acts at l = 0; float32 exp(-Infinity) is 0
      // but 0 * -Infinity is NaN, so clamp to a huge negative rate: exp(l gr) = 0 for l >= 1.
      const g = f.g.re[i]! === -Infinity ? -1e30 : f.g.re[i]!;
      gr[k] = g;
      gs[k] = s * g;
      t1[k] = mod2pi(f.g.im[i]!);
      t64[k] = mod2pi(64 * f.g.im[i]!);
    }
  }
  return mats.map((data) => ({ rows: H, cols: n2, data }));
}

function hostOf(device: Device, given?: KernelHost): KernelHost | null {
  if (given) return given;
  const d = device as unknown as Partial<KernelHost>;
  return typeof d.runKernel === 'function' ? { runKernel: d.runKernel.bind(device) } : null;
}

/**
 * {@link s4dKernelBank} on an @x/gpu device: an H x L kernel matrix, one gpu.js thread per
 * (channel, lag) — exactly the GPU's output shape (S4D paper Sec. 2.4: the Vandermonde product
 * is embarrassingly parallel). Float32 on the GPU: |K_gpu - K| <= ~1e-5 sum_n 2|c_n| per channel
 * (measured; angle reduction as in {@link VANDERMONDE_GPU_SOURCE}).
 *
 * A 'js' device computes on the CPU in float64. A gpujs device runs the kernel through its
 * `runKernel` hook; a device without one (or `opts.host`) computes on the CPU and says so in
 * `fallbackReason` (never silently).
 */
export async function s4dKernelBankDevice(
  device: Device,
  params: S4DBankParams,
  L: number,
  opts: S4DBankOptions & { host?: KernelHost } = {},
): Promise<DeviceKernelResult> {
  const fn = 's4dKernelBankDevice';
  const disc = checkBankOptions(fn, opts, ['host']);
  const [H, n2] = checkBank(fn, params, opts.channels);
  checkInt(fn, 'L', L, 1);
  checkAlloc(fn, 'the kernels', H, L);
  const host = device.info.backend === 'gpujs' || opts.host ? hostOf(device, opts.host) : null;
  if (!host) {
    const out = new Float64Array(H * L);
    for (let h = 0; h < H; h++) {
      accumulateVandermonde(s4dVandermondeForm(bankChannel(params, h, n2), L, disc), L, out, h * L);
    }
    const res: DeviceKernelResult = { K: { rows: H, cols: L, data: out }, ranOn: 'js', precision: 'float64' };
    if (device.info.backend === 'gpujs') {
      res.fallbackReason = "@x/gpu's Device has no generic kernel hook (runKernel); computed on the CPU";
    }
    return res;
  }
  const K = await host.runKernel({
    name: 'ssm:vandermonde',
    source: VANDERMONDE_GPU_SOURCE,
    rows: H,
    cols: L,
    inputs: vandermondeGpuInputs(params, L, { disc }),
    constants: { N2: n2 },
  });
  return { K, ranOn: 'gpujs', precision: 'float32' };
}
