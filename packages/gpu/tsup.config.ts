import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

export default defineConfig({
  // index: every environment; node: the same plus worker_threads pools (export condition "node").
  // checks: the argument checks every @x package uses (subpath @x/gpu/checks).
  // experiments: the experiment contract (subpath @x/gpu/experiments).
  entry: { index: 'src/index.ts', node: 'src/node.ts', checks: 'src/checks.ts', experiments: 'src/experiments-entry.ts' },
  // One copy of the error classes shared by all entries (also in CJS), so instanceof holds.
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['gpu.js', /^node:/],
  // Named in the duplicate-copy warning (src/registry.ts).
  esbuildOptions(options, { format }) {
    options.define = { ...options.define, __X_GPU_VERSION__: JSON.stringify(version), __X_GPU_BUILD__: JSON.stringify(format) };
  },
});
