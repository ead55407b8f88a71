import type { ComplexArray } from '../src';

/** The type fixtures are read as here (untyped JSON, read by tests only). */
// biome-ignore lint/suspicious/noExplicitAny: fixtures are untyped JSON read by tests only
export type Untyped = any;

export function cx(o: { re: number[]; im: number[] }): ComplexArray {
  return { re: Float64Array.from(o.re), im: Float64Array.from(o.im) };
}
