import { frobeniusNorm, type Matrix, matrix, sub } from '@x/gpu';

export function relErr(a: Matrix, b: Matrix): number {
  const n = frobeniusNorm(b);
  const d = frobeniusNorm(sub(a, b));
  return n === 0 ? d : d / n;
}

export const mat = (rows: number, cols: number, data: number[]) => matrix(rows, cols, data);
