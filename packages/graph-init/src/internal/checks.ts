import { DomainError } from '@x/gpu';
import { checkSize, describe } from '@x/gpu/checks';

/**
 * Throws unless `v` is an array (or integer typed array) of at least `minLength` integer sizes,
 * each in [`min`, MAX_ELEMENTS] (DomainError naming `fn`, `name` and the index). Returns it.
 */
export function checkSizes(fn: string, name: string, v: unknown, min = 1, minLength = 1): readonly number[] {
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    throw new DomainError(`${fn}: ${name} must be an array of integers, got ${describe(v)}`);
  }
  const list = v as ArrayLike<unknown>;
  if (list.length < minLength) throw new DomainError(`${fn}: ${name} must have at least ${minLength} entries, got ${list.length}`);
  for (let i = 0; i < list.length; i++) checkSize(fn, `${name}[${i}]`, list[i], min);
  return Array.from(list as ArrayLike<number>);
}
