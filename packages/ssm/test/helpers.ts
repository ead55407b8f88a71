import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComplexArray } from '../src';

const here = dirname(fileURLToPath(import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: fixtures are untyped JSON read by tests only
export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as T;
}

export function cx(o: { re: number[]; im: number[] }): ComplexArray {
  return { re: Float64Array.from(o.re), im: Float64Array.from(o.im) };
}

/** max |a - b| / max |b| */
export function relMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  if (a.length !== b.length) return Infinity;
  return m === 0 ? d : d / m;
}

export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    m += b[i]! ** 2;
  }
  return Math.sqrt(d / m);
}
