import type { Matrix } from '@x/gpu';

export interface FixtureMatrix {
  rows: number;
  cols: number;
  data: number[];
}

export function toMatrix(f: FixtureMatrix): Matrix<Float64Array> {
  return { rows: f.rows, cols: f.cols, data: Float64Array.from(f.data) };
}
