/** Documented size limits and the value rendering used by every check's message. */

/**
 * Largest number of elements one allocation sized from user input may have: 2^28
 * (2 GiB of float64). Dimensions, lengths and the products that size a buffer are checked
 * against it before allocating.
 */
export const MAX_ELEMENTS = 2 ** 28;

/**
 * Largest iteration count (steps, epochs, iterations, samples drawn in a loop) a function
 * accepts: 10^7. Larger counts, and `Infinity`, are refused up front instead of looping
 * for hours.
 */
export const MAX_STEPS = 10_000_000;

/** Largest depth (layers, recursion levels) a function accepts: 10^4. */
export const MAX_DEPTH = 10_000;

/** A short, bounded rendering of a value for an error message. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v == null) return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof v;
}

