import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite, readSafetensors, SafetensorsError, writeSafetensorsFile } from '@x/safetensors/node';
import { DomainError } from '@x/gpu';
import { describe } from '@x/gpu/checks';
import type { ModelPlan } from './model-files';
import { loadPeftAdapter, type PeftAdapter, savePeftAdapter } from './peft-adapter';
import { checkArray, checkRecord } from './validate';

export * from './index';

/** File names of a PEFT adapter directory. */
export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/**
 * Loads a PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors).
 * @throws as {@link loadPeftAdapter}; a missing or unreadable file is SafetensorsError `IO`.
 */
export async function loadPeftAdapterDir(dir: string): Promise<PeftAdapter> {
  checkPath('loadPeftAdapterDir', 'dir', dir);
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
  const fn = 'writeOutputs';
  checkPath(fn, 'dir', dir);
  checkArray(fn, 'files', files);
  for (const [i, f] of files.entries()) {
    checkRecord(fn, `files[${i}]`, f);
    if (typeof f.name !== 'string' || f.name === '' || /[/\\]/.test(f.name)) throw new DomainError(`${fn}: files[${i}].name must be a file name (no folder), got ${describe(f.name)}`);
    if (typeof f.write !== 'function') throw new DomainError(`${fn}: files[${i}].write must be a function, got ${describe(f.write)}`);
  }
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
  checkPath('savePeftAdapterDir', 'dir', dir);
  return writeOutputs(dir, adapterFiles(adapter));
}

/** Writes a {@link ModelPlan} to a safetensors file, tensor by tensor, atomically. */
export async function writeModelPlan(path: string, plan: ModelPlan): Promise<void> {
  checkPath('writeModelPlan', 'path', path);
  checkPlan('writeModelPlan', plan);
  await writeSafetensorsFile(path, plan.tensors, plan.metadata);
}

/** A model file as a {@link OutputFile}. */
export function modelFile(name: string, plan: ModelPlan): OutputFile {
  checkPath('modelFile', 'name', name);
  checkPlan('modelFile', plan);
  return { name, write: (p) => writeModelPlan(p, plan) };
}

/** Throws a DomainError naming `fn` unless `v` is a non-empty path string. */
function checkPath(fn: string, name: string, v: unknown): void {
  if (typeof v !== 'string' || v === '') throw new DomainError(`${fn}: ${name} must be a non-empty path, got ${describe(v)}`);
}

/** Throws a DomainError naming `fn` unless `plan` is a {@link ModelPlan}: objects of tensor jobs and metadata. */
function checkPlan(fn: string, plan: unknown): void {
  const p = checkRecord(fn, 'plan', plan);
  checkRecord(fn, 'plan.tensors', p.tensors);
  checkRecord(fn, 'plan.metadata', p.metadata);
}
