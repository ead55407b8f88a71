import type { GpujsModule } from '@x/gpu';
import * as gpujsNamespace from 'gpu.js';

/**
 * gpu.js for the browser. Vite resolves `gpu.js` through its package.json "browser" field to
 * dist/gpu-browser.js, a UMD bundle whose CommonJS export is the GPU class with every other
 * export attached to it; depending on the interop, the namespace holds it as `default` or spread.
 */
export function browserGpujs(): GpujsModule {
  const ns = gpujsNamespace as unknown as Record<string, unknown>;
  const candidates = [ns, ns.default as Record<string, unknown> | undefined];
  for (const c of candidates) {
    if (c && typeof c.GPU === 'function' && typeof c.input === 'function') return c as unknown as GpujsModule;
  }
  throw new Error('the bundled gpu.js module has no GPU class / input function');
}
