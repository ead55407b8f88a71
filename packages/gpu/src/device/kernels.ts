/**
 * gpu.js kernel sources, as strings: gpu.js parses kernel source text, and strings survive any
 * bundler or minifier unchanged (a transpiled function would not). `this.thread.x` is the
 * output column, `this.thread.y` the row; `r0`/`c0` offset a tile inside a larger output.
 */

export function matmulSource(transA: boolean, transB: boolean): string {
  const aAt = transA ? 'a[k][i]' : 'a[i][k]';
  const bAt = transB ? 'b[j][k]' : 'b[k][j]';
  return `function (a, b) {
  const i = this.thread.y + this.constants.r0;
  const j = this.thread.x + this.constants.c0;
  let s = 0;
  for (let k = 0; k < this.constants.K; k++) {
    s += ${aAt} * ${bAt};
  }
  return s;
}`;
}

export const ELEMENTWISE_SOURCES = {
  add: 'a[i][j] + b[i][j]',
  sub: 'a[i][j] - b[i][j]',
  hadamard: 'a[i][j] * b[i][j]',
  scale: 'alpha * a[i][j]',
  axpy: 'alpha * a[i][j] + b[i][j]',
  copy: 'a[i][j]',
} as const;

export type ElementwiseOp = keyof typeof ELEMENTWISE_SOURCES;

export function elementwiseSource(op: ElementwiseOp): string {
  const params = op === 'scale' ? 'a, alpha' : op === 'axpy' ? 'a, b, alpha' : op === 'copy' ? 'a' : 'a, b';
  return `function (${params}) {
  const i = this.thread.y + this.constants.r0;
  const j = this.thread.x + this.constants.c0;
  return ${ELEMENTWISE_SOURCES[op]};
}`;
}

/** Per-row partial reductions; the device finishes them on the CPU in float64. */
export const ROW_REDUCE_SOURCES = {
  sum: `function (a) {
  let s = 0;
  for (let j = 0; j < this.constants.C; j++) { s += a[this.thread.x][j]; }
  return s;
}`,
  dot: `function (a, b) {
  let s = 0;
  for (let j = 0; j < this.constants.C; j++) { s += a[this.thread.x][j] * b[this.thread.x][j]; }
  return s;
}`,
  maxAbs: `function (a) {
  let m = 0;
  for (let j = 0; j < this.constants.C; j++) { m = Math.max(m, Math.abs(a[this.thread.x][j])); }
  return m;
}`,
  sumSquaresScaled: `function (a, inv) {
  let s = 0;
  for (let j = 0; j < this.constants.C; j++) { const v = a[this.thread.x][j] * inv; s += v * v; }
  return s;
}`,
} as const;

export type RowReduceOp = keyof typeof ROW_REDUCE_SOURCES;
