import { DomainError } from '@x/gpu';
import { checkAborted, checkFunction, checkOptions, describe } from '@x/gpu/checks';
import type { Module } from '@x/nn';

/** Throws a DomainError naming `fn` unless `m` has a Module's forward, backward, parameters and zeroGrad. */
export function checkModule(fn: string, name: string, m: unknown): Module {
  const o = m as Partial<Module> | null;
  if (o === null || typeof o !== 'object' || typeof o.forward !== 'function' || typeof o.backward !== 'function' || typeof o.parameters !== 'function' || typeof o.zeroGrad !== 'function') {
    throw new DomainError(`${fn}: ${name} must be a Module (forward, backward, parameters, zeroGrad), got ${describe(m)}`);
  }
  return o as Module;
}

/**
 * Checks the options object of a training loop: a plain object (required when `required`) with
 * only `keys`, a function `onProgress` when given, and a signal that is not aborted. Returns it.
 */
export function checkLoopOptions<T extends { onProgress?: unknown; signal?: unknown }>(fn: string, opts: T, keys: readonly string[], required: boolean): T {
  if (required && (opts === null || typeof opts !== 'object')) throw new DomainError(`${fn}: options are required, got ${describe(opts)}`);
  checkOptions(fn, opts, keys);
  if (opts?.onProgress !== undefined) checkFunction(fn, 'onProgress', opts.onProgress);
  checkAborted(fn, opts?.signal);
  return opts ?? ({} as T);
}
