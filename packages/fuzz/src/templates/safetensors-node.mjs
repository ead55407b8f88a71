import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, keep, V } from '../dsl.mjs';
import { readAll, safetensorsTemplates, stFile } from './safetensors.mjs';

// Templates for @x/safetensors/node: the main entry's templates (it re-exports them), plus the
// file-system functions, which work only inside a temporary directory removed at exit (the
// child also runs with a temporary working directory, so a mutated relative path lands there).
// Paths are kept: any other string is a legal relative path (a file an earlier case wrote there
// reads back fine), so "unknown string" is no garbage; non-string paths are unit-tested in
// @x/safetensors (test/arguments.test.ts).
let dir = null;
/** This process's scratch directory under the OS temp dir (never the repository). */
export function scratch() {
  if (!dir) {
    // Under the driver's scratch directory (removed by the driver even when a child is killed).
    dir = mkdtempSync(join(process.env.FUZZ_SCRATCH ?? tmpdir(), 'x-fuzz-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}
let serial = 0;
/** A fresh path in the scratch directory. */
export const scratchPath = (name) => join(scratch(), `${serial++}-${name}`);
/** A valid safetensors file on disk. */
export function stPath() {
  const p = scratchPath('model.safetensors');
  writeFileSync(p, stFile());
  return p;
}

export default (mod) => ({
  ...safetensorsTemplates(mod),
  readSafetensors: { args: () => [keep(stPath())], check: readAll },
  fileSource: { args: () => [keep(stPath())], call: async (f, a) => mod.readSafetensors(await f(...a)), check: readAll },
  writeSafetensorsFile: {
    args: () => [keep(scratchPath('out.safetensors')), { w: data({ dtype: 'F32', shape: [2, 3], data: V(6) }) }, data({ format: keep('pt') })],
    call: async (f, a) => {
      await f(...a);
      return mod.readSafetensors(a[0]);
    },
    check: readAll,
  },
  atomicWrite: {
    args: () => [keep(scratchPath('atomic.bin')), async (write) => write(stFile())],
    call: async (f, a) => {
      await f(...a);
      return mod.readSafetensors(a[0]);
    },
    check: readAll,
  },
});
