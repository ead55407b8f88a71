import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '@x/safetensors';
import { data, keep } from '../dsl.mjs';
import peftTemplates, { adapterOf, fuzzAdapter, modelBytes } from './peft.mjs';
import { scratchPath } from './safetensors-node.mjs';

// Templates for @x/peft/node: the main entry's templates (it re-exports them), plus the
// file functions, which write only into a temporary directory removed at exit. Paths and file
// names are kept: any other string is a legal (relative) path too, so their "unknown string"
// mutation is no garbage; non-string paths are unit-tested in @x/peft (test/validation.test.ts).
const planOf = async (mod) => mod.mergeIntoBase(await readSafetensors(modelBytes()), adapterOf(mod));
/** An adapter directory written here (not by the writer under test). */
const adapterDir = (mod) => {
  const dir = scratchPath('adapter');
  mkdirSync(dir);
  const { config, weights } = mod.savePeftAdapter(adapterOf(mod));
  writeFileSync(join(dir, mod.ADAPTER_CONFIG), config);
  writeFileSync(join(dir, mod.ADAPTER_WEIGHTS), weights);
  return dir;
};
export default (mod) => ({
  ...peftTemplates(mod),
  adapterFiles: { args: () => [fuzzAdapter(mod)], check: (files) => files.map((f) => f.name.length) },
  loadPeftAdapterDir: { args: () => [keep(adapterDir(mod))], check: (a) => a.layers },
  'loadPeftAdapterDir#missing': { method: 'call', make: () => ({ call: mod.loadPeftAdapterDir }), args: () => [scratchPath('missing')], expectBase: 'reject', mutate: false },
  modelFile: { args: () => [keep('model.safetensors'), data({ tensors: {}, metadata: {} })], check: (f) => f.name.length },
  savePeftAdapterDir: { args: () => [keep(scratchPath('out')), fuzzAdapter(mod)], check: (paths) => paths.length },
  writeModelPlan: { args: () => [keep(scratchPath('model.safetensors'))], call: async (f, a) => f(a[0], await planOf(mod)), check: () => 0 },
  writeOutputs: {
    args: () => [keep(scratchPath('outs')), [{ name: keep('a.bin'), write: async (p) => mkdirSync(p) }]],
    check: (paths) => paths.length,
  },
});
