import { defineConfig } from 'tsup';

export default defineConfig({
  // index: every environment; node: + adapter directories on disk; cli: the x-peft bin (ESM, shebang kept).
  entry: ['src/index.ts', 'src/node.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: ['src/index.ts', 'src/node.ts'] },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/],
});
