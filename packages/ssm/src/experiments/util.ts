import { throwIfAborted } from '@x/gpu/experiments';

/** Throws an AbortError when the signal has been aborted (experiments check between steps). */
export function checkAborted(signal?: AbortSignal): void {
  throwIfAborted(signal);
}
