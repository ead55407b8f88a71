import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Loads a fixture JSON from test/fixtures. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as T;
}

/** Unit roundoff of float64. */
export const EPS = 2 ** -52;

/** ||a - b||_2 / ||b||_2 over paired real arrays (||b|| = 0 gives the absolute error). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Relative 2-norm error of complex vectors given as split parts. */
export function relErrC(
  ar: ArrayLike<number>,
  ai: ArrayLike<number>,
  br: ArrayLike<number>,
  bi: ArrayLike<number>,
): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < br.length; i++) {
    num += (ar[i]! - br[i]!) ** 2 + (ai[i]! - bi[i]!) ** 2;
    den += br[i]! ** 2 + bi[i]! ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Max |a - b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
