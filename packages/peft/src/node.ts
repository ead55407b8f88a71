import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite, readSafetensors, SafetensorsError, writeSafetensorsFile } from '@x/safetensors/node';
import type { ModelPlan } from './model-files';
import { loadPeftAdapter, type PeftAdapter, savePeftAdapter } from './peft-adapter';

export * from './index';

/** File names of a PEFT adapter directory. */
export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/**
 * Loads a PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors).
 * @throws as {@link loadPeftAdapter}; a missing or unreadable file is SafetensorsError `IO`.
 */
export async function loadPeftAdapterDir(dir: string): Promise<PeftAdapter> {
  let config: string;
  try {
    config = await readFile(join(dir, ADAPTER_CONFIG), 'utf8');
  } catch (e) {
    throw new SafetensorsError('IO', `loadPeftAdapterDir: cannot read ${join(dir, ADAPTER_CONFIG)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const reader = await readSafetensors(join(dir, ADAPTER_WEIGHTS));
  try {
    return await loadPeftAdapter({ config, weights: reader });
  } finally {
    await reader.close();
  }
}

/** One file of a multi-file output: written to `path` by `write` (which must write exactly there). */
export interface OutputFile {
  name: string;
  write(path: string): Promise<void>;
}

/**
 * Writes several files into `dir` all or nothing: each is written into a fresh staging folder
 * inside `dir`, and only when all succeeded are they renamed into place; on failure the staging
 * folder is removed and `dir` holds what it held before.
 */
export async function writeOutputs(dir: string, files: readonly OutputFile[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const staging = join(dir, `.x-peft-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
  await mkdir(staging);
  try {
    for (const f of files) await f.write(join(staging, f.name));
    for (const f of files) await rename(join(staging, f.name), join(dir, f.name));
    return files.map((f) => join(dir, f.name));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The two files of an adapter directory, for {@link writeOutputs}. */
export function adapterFiles(adapter: PeftAdapter): OutputFile[] {
  const { config, weights } = savePeftAdapter(adapter);
  return [
    { name: ADAPTER_WEIGHTS, write: (p) => atomicWrite(p, (w) => w(weights)) },
    { name: ADAPTER_CONFIG, write: (p) => atomicWrite(p, (w) => w(new TextEncoder().encode(config))) },
  ];
}

/** Writes an adapter directory (both files, all or nothing). */
export async function savePeftAdapterDir(dir: string, adapter: PeftAdapter): Promise<string[]> {
  return writeOutputs(dir, adapterFiles(adapter));
}

/** Writes a {@link ModelPlan} to a safetensors file, tensor by tensor, atomically. */
export async function writeModelPlan(path: string, plan: ModelPlan): Promise<void> {
  await writeSafetensorsFile(path, plan.tensors, plan.metadata);
}

/** A model file as a {@link OutputFile}. */
export function modelFile(name: string, plan: ModelPlan): OutputFile {
  return { name, write: (p) => writeModelPlan(p, plan) };
}
