import { defineConfig } from 'tsup';

export default defineConfig({
  // index: every environment; node: + adapter directories on disk; cli: the x-peft bin (ESM, shebang kept);
  // experiments: the demo experiments (the ./experiments subpath).
  entry: { index: 'src/index.ts', node: 'src/node.ts', cli: 'src/cli.ts', experiments: 'src/experiments-entry.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', node: 'src/node.ts', experiments: 'src/experiments-entry.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/],
});
