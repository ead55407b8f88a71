import { createDevice } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { type S4DBankParams, s4dInit, s4dKernelBank, s4dKernelBankDevice } from '../src';
import { gpujsHost } from './gpujs-host';

function bank(H: number, N: number, kind: 'lin' | 'inv' | 'real'): S4DBankParams {
  const n2 = N / 2;
  const init = s4dInit(N, { kind });
  const z = () => ({ re: new Float64Array(H * n2), im: new Float64Array(H * n2) });
  const A = z();
  const B = z();
  const C = z();
  const dt = new Float64Array(H);
  for (let h = 0; h < H; h++) {
    dt[h] = Math.exp(Math.log(1e-3) + (h / Math.max(1, H - 1)) * Math.log(100));
    for (let n = 0; n < n2; n++) {
      const k = h * n2 + n;
      A.re[k] = init.A.re[n]!;
      A.im[k] = init.A.im[n]!;
      B.re[k] = 1;
      C.re[k] = Math.cos(3.1 * k) / Math.sqrt(n2);
      C.im[k] = Math.sin(1.7 * k) / Math.sqrt(n2);
    }
  }
  return { A, B, C, dt };
}

/** per channel: max_l |K_gpu - K| / sum_n 2|C_n dB_n|, bounded by max_l |K| from above */
function chanErr(a: Float64Array, b: Float64Array, H: number, L: number): number {
  let worst = 0;
  for (let h = 0; h < H; h++) {
    let d = 0;
    let m = 0;
    for (let l = 0; l < L; l++) {
      d = Math.max(d, Math.abs(a[h * L + l]! - b[h * L + l]!));
      m = Math.max(m, Math.abs(b[h * L + l]!));
    }
    worst = Math.max(worst, d / m);
  }
  return worst;
}

describe('Vandermonde kernel on a device', () => {
  it('js device computes in float64 and equals s4dKernelBank', async () => {
    const p = bank(4, 16, 'lin');
    const dev = await createDevice({ backend: 'js' });
    const r = await s4dKernelBankDevice(dev, p, 300, { disc: 'zoh' });
    expect(r.ranOn).toBe('js');
    expect(r.fallbackReason).toBeUndefined();
    expect(Array.from(r.K.data)).toEqual(Array.from(s4dKernelBank(p, 300).data));
  });
  it('a gpujs device without a kernel hook computes on the CPU and says why', async () => {
    const p = bank(2, 8, 'lin');
    const fake = { info: { backend: 'gpujs', mode: 'headlessgl', precision: 'float32', requested: 'gpujs' } };
    const r = await s4dKernelBankDevice(fake as never, p, 20);
    expect(r.ranOn).toBe('js');
    expect(r.fallbackReason).toMatch(/runKernel/);
  });
  // 'cpu' runs the kernel source through gpu.js's JS backend (float32 outputs); 'headlessgl'
  // runs it on a GL context (float32 arithmetic; needs the built `gl` module and xvfb-run).
  for (const [mode, disc] of [
    ['cpu', 'zoh'],
    ['cpu', 'dss'],
    ['headlessgl', 'zoh'],
    ['headlessgl', 'bilinear'],
    ['headlessgl', 'dss'],
  ] as const) {
    const host = gpujsHost(mode);
    it.skipIf(!host)(`gpu.js ${mode}: kernel source matches float64 CPU (${disc})`, async () => {
      const H = 6;
      const L = 4096;
      const p = bank(H, 16, disc === 'dss' ? 'lin' : 'inv');
      const dev = await createDevice({ backend: 'js' });
      const r = await s4dKernelBankDevice(dev, p, L, { disc, host: host! });
      expect(r.ranOn).toBe('gpujs');
      expect(r.precision).toBe('float32');
      const ref = s4dKernelBank(p, L, { disc });
      // float32 with angle reduction: measured 1.7e-6 (headless GL, L = 4096) relative to the
      // channel's peak; 1e-5 leaves room for other GPUs' transcendental accuracy.
      expect(chanErr(r.K.data as Float64Array, ref.data, H, L)).toBeLessThan(1e-5);
    });
  }
});

describe('Vandermonde kernel through createDevice({ backend: "gpujs" })', () => {
  // Runs where gpu.js has a GPU context (headless GL under xvfb-run in CI, where
  // X_REQUIRE_GPUJS_MODE makes a missing context a failure instead of a skip).
  it('uses the device’s runKernel hook and matches the float64 CPU kernel', async () => {
    let dev: Awaited<ReturnType<typeof createDevice>>;
    try {
      dev = await createDevice({ backend: 'gpujs' });
    } catch (e) {
      if (process.env.X_REQUIRE_GPUJS_MODE) throw e;
      return; // no GPU context on this machine: nothing to compare
    }
    const H = 4;
    const L = 2048;
    const p = bank(H, 16, 'inv');
    const r = await s4dKernelBankDevice(dev, p, L, { disc: 'zoh' });
    expect(r.ranOn).toBe('gpujs');
    expect(r.fallbackReason).toBeUndefined();
    expect(chanErr(r.K.data as Float64Array, s4dKernelBank(p, L).data, H, L)).toBeLessThan(1e-5);
    dev.dispose();
  });
});
