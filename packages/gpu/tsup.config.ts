import { defineConfig } from 'tsup';

export default defineConfig({
  // index: every environment; node: the same plus worker_threads pools (export condition "node").
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['gpu.js', /^node:/],
});
