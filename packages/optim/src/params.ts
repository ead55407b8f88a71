import { DomainError, isMatrix, type Matrix, type MatrixData, ShapeError } from '@x/gpu';
import { checkFiniteArray } from './validate';

/**
 * One trainable tensor as an optimizer sees it. Structurally compatible with @x/nn's
 * `Parameter` (`{ name, value: Float64Array, grad: Float64Array, shape }`) and with plain
 * {@link Matrix} values, so @x/optim optimizers drop into @x/nn's `fit` without importing it.
 *
 * `value` is updated in place. A parameter is a matrix when `value` is a Matrix or `shape` has
 * two entries; otherwise it is a vector.
 */
export interface ParamLike {
  readonly name: string;
  readonly value: MatrixData | Matrix;
  readonly grad: MatrixData | Matrix;
  readonly shape?: readonly number[];
}

/** The flat view an update works on. */
export interface ParamView {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** True for 2-D parameters (rows > 1 and cols > 1 is not required). */
  readonly isMatrix: boolean;
  readonly w: MatrixData;
  readonly g: MatrixData;
}

function dataOf(x: MatrixData | Matrix): MatrixData | null {
  if (x instanceof Float64Array || x instanceof Float32Array) return x;
  if (isMatrix(x)) return x.data;
  return null;
}

/**
 * Validates every parameter before anything is mutated: well-formed arrays, equal value/grad
 * sizes, a consistent shape, unique names and finite gradients.
 * @throws ShapeError on malformed or mismatched parameters; DomainError on NaN/Infinity gradients
 * or duplicate names.
 */
export function viewParams(fn: string, params: readonly ParamLike[]): ParamView[] {
  if (!Array.isArray(params)) throw new ShapeError(`${fn}: step expects an array of parameters { name, value, grad }`);
  const seen = new Set<string>();
  const out: ParamView[] = [];
  for (const p of params) {
    if (!p || typeof p.name !== 'string') throw new ShapeError(`${fn}: every parameter needs a string name`);
    if (seen.has(p.name)) throw new DomainError(`${fn}: duplicate parameter name "${p.name}"`);
    seen.add(p.name);
    const w = dataOf(p.value);
    const g = dataOf(p.grad);
    if (!w || !g) throw new ShapeError(`${fn}: parameter "${p.name}" needs value and grad as Float64Array/Float32Array or Matrix`);
    if (w.length !== g.length) {
      throw new ShapeError(`${fn}: parameter "${p.name}" has ${w.length} values but ${g.length} gradient entries`);
    }
    const shape = p.shape as unknown;
    if (shape !== undefined) {
      let size = Array.isArray(shape) ? 1 : -1;
      if (Array.isArray(shape)) for (const d of shape) size = typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 ? size * d : -1;
      if (size !== w.length) throw new ShapeError(`${fn}: parameter "${p.name}" has shape ${Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)}, which does not hold its ${w.length} values`);
    }
    let rows: number;
    let cols: number;
    let isMat: boolean;
    if (isMatrix(p.value)) {
      rows = p.value.rows;
      cols = p.value.cols;
      isMat = true;
    } else if (p.shape && p.shape.length === 2) {
      rows = p.shape[0]!;
      cols = p.shape[1]!;
      isMat = true;
    } else {
      rows = 1;
      cols = w.length;
      isMat = false;
    }
    if (rows * cols !== w.length) {
      throw new ShapeError(`${fn}: parameter "${p.name}" has shape ${rows}x${cols} but ${w.length} entries`);
    }
    if (isMatrix(p.grad) && (p.grad.rows !== rows || p.grad.cols !== cols)) {
      throw new ShapeError(`${fn}: parameter "${p.name}" is ${rows}x${cols} but its grad is ${p.grad.rows}x${p.grad.cols}`);
    }
    // Weights and gradients in one pass over the data the update reads next; the message (which
    // names the tensor and the index) is built only on failure.
    let bad = 0;
    for (let i = 0; i < w.length; i++) bad += w[i]! - w[i]! + (g[i]! - g[i]!);
    if (bad !== 0) {
      checkFiniteArray(fn, `value of "${p.name}"`, w);
      checkFiniteArray(fn, `grad of "${p.name}"`, g);
    }
    out.push({ name: p.name, rows, cols, isMatrix: isMat, w, g });
  }
  return out;
}
