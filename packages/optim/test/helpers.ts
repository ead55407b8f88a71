import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '@x/gpu';
import { expect } from 'vitest';

export interface FixtureMatrix {
  rows: number;
  cols: number;
  data: number[];
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as T;
}

export function toMatrix(f: FixtureMatrix): Matrix<Float64Array> {
  return { rows: f.rows, cols: f.cols, data: Float64Array.from(f.data) };
}

/** max |a - b| / max(1, max |b|) */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
}

/** Bitwise equality (Object.is per entry: distinguishes -0 and NaN payload classes). */
export function bitEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
