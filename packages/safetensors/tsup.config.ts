import { defineConfig } from 'tsup';

export default defineConfig({
  // index: every environment (bytes, Blob); node: the same plus file paths and atomic file writes.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/],
});
