import { DomainError } from '@x/gpu';

/** Throws when the signal has been aborted (experiments check between steps). */
export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DomainError('experiment aborted');
}
