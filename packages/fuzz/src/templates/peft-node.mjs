import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '@x/safetensors';
import { data } from '../dsl.mjs';
import peftTemplates, { adapterOf, modelBytes } from './peft.mjs';
import { scratchPath } from './safetensors-node.mjs';

// Templates for @x/peft/node: the main entry's templates (it re-exports them), plus the
// file functions, which write only into a temporary directory removed at exit.
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
  adapterFiles: { args: () => [data(adapterOf(mod))], check: (files) => files.map((f) => f.name.length) },
  loadPeftAdapterDir: { args: () => [adapterDir(mod)], check: (a) => a.layers },
  'loadPeftAdapterDir#missing': { method: 'call', make: () => ({ call: mod.loadPeftAdapterDir }), args: () => [scratchPath('missing')], expectBase: 'reject', mutate: false },
  modelFile: { args: () => ['model.safetensors', data({ tensors: {}, metadata: {} })], check: (f) => f.name.length },
  savePeftAdapterDir: { args: () => [scratchPath('out'), data(adapterOf(mod))], check: (paths) => paths.length },
  writeModelPlan: { args: () => [scratchPath('model.safetensors')], call: async (f, a) => f(a[0], await planOf(mod)), check: () => 0 },
  writeOutputs: {
    args: () => [scratchPath('outs'), [{ name: 'a.bin', write: async (p) => mkdirSync(p) }]],
    check: (paths) => paths.length,
  },
});
