/**
 * One @x/gpu per process: the wasm GEMM route, the worker pool and the thread support are
 * module state: a second copy of this package (two versions in node_modules, or the CommonJS
 * build loaded beside the ESM one) has its own, so `enableWasm()` on one copy does not reach
 * code that uses the other. Each copy records itself under a `Symbol.for` key on globalThis when
 * its state module loads (gemm.ts calls {@link registerCopy} at top level; that module is in
 * every bundle that can hold the state, so `sideEffects: false` cannot drop the check where it
 * matters), and the second one prints a one-time warning that says how to dedupe.
 */

declare const __X_GPU_VERSION__: string | undefined;
declare const __X_GPU_BUILD__: string | undefined;

/** The global registry key; the same symbol in every copy and every realm-sharing bundle. */
export const REGISTRY_KEY: unique symbol = Symbol.for('@x/gpu.copies') as never;

/** One loaded copy of @x/gpu. */
export interface GpuCopy {
  /** The package version of the copy ('source' when run from the TypeScript sources). */
  version: string;
  /** 'esm' or 'cjs' ('source' from the TypeScript sources). */
  build: string;
}

interface Registry {
  copies: GpuCopy[];
  warned: boolean;
}

let self: GpuCopy | null = null;

/** The copies of @x/gpu loaded in this process so far (this one included, once registered). */
export function loadedCopies(): GpuCopy[] {
  const reg = (globalThis as { [REGISTRY_KEY]?: Registry })[REGISTRY_KEY];
  return reg ? reg.copies.map((c) => ({ ...c })) : [];
}

/** The warning text for a second copy. */
export function duplicateWarning(copies: readonly GpuCopy[]): string {
  const list = copies.map((c) => `${c.version} (${c.build})`).join(', ');
  return (
    `@x/gpu: ${copies.length} copies are loaded in this process: ${list}. Each has its own ` +
    'enableWasm() route and worker pool, so enabling the wasm kernels on one does not reach code ' +
    'that uses another. To dedupe: install one @x/gpu version (every @x package takes it as a peer ' +
    'dependency; `npm ls @x/gpu` or `pnpm why @x/gpu` lists the copies, `npm dedupe` or ' +
    '`pnpm dedupe` merges them; in a bundler, resolve @x/gpu to one path), and load the @x ' +
    'packages either with import or with require, not both. Errors are still recognized across ' +
    'copies (instanceof and isShapeError etc. check a Symbol.for brand).'
  );
}

/** Records this copy in the global registry (once); warns once per process on a second copy. */
export function registerCopy(): void {
  if (self) return;
  self = {
    version: typeof __X_GPU_VERSION__ === 'string' ? __X_GPU_VERSION__ : 'source',
    build: typeof __X_GPU_BUILD__ === 'string' ? __X_GPU_BUILD__ : 'source',
  };
  const g = globalThis as { [REGISTRY_KEY]?: Registry };
  const reg = g[REGISTRY_KEY] ?? (g[REGISTRY_KEY] = { copies: [], warned: false });
  reg.copies.push(self);
  if (reg.copies.length > 1 && !reg.warned) {
    reg.warned = true;
    console.warn(duplicateWarning(reg.copies));
  }
}
