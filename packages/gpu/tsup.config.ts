import { defineConfig } from 'tsup';

export default defineConfig({
  // index: every environment; node: the same plus worker_threads pools (export condition "node").
  // checks: the argument checks every @x package uses (subpath @x/gpu/checks).
  entry: ['src/index.ts', 'src/node.ts', 'src/checks.ts'],
  // One copy of the error classes shared by all entries (also in CJS), so instanceof holds.
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['gpu.js', /^node:/],
});
