import { BackendError, ShapeError } from '../errors';
import { assertMatrix, isMatrix, type Matrix } from '../matrix';
import type { DeviceMatrix, Operand } from './types';

/** Checks an operand is a well-formed Matrix or a live DeviceMatrix of this device. */
export function checkOperand(fn: string, name: string, x: Operand, owns: (d: DeviceMatrix) => boolean): void {
  if (isMatrix(x)) return;
  const d = x as Partial<DeviceMatrix>;
  if (d && typeof d === 'object' && typeof d.read === 'function' && typeof d.dispose === 'function') {
    if (!owns(x as DeviceMatrix)) throw new BackendError(`${fn}: ${name}`, 'this DeviceMatrix belongs to another device');
    if (d.disposed) throw new BackendError(`${fn}: ${name}`, 'this DeviceMatrix was disposed');
    return;
  }
  assertMatrix(fn, name, x);
}

export function checkSameShape(fn: string, a: Operand, b: Operand): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new ShapeError(`${fn}: shapes differ: a is ${a.rows}x${a.cols}, b is ${b.rows}x${b.cols}`);
  }
}

export function matmulShape(a: Operand, b: Operand, transA: boolean, transB: boolean): { m: number; n: number; k: number } {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const k2 = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions differ: a is ${a.rows}x${a.cols}${transA ? ' (transposed)' : ''}, b is ${b.rows}x${b.cols}${transB ? ' (transposed)' : ''}`,
    );
  }
  return { m, n, k };
}

export function checkScalar(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ShapeError(`${fn}: ${name} must be a finite number, got ${String(v)}`);
  }
}

export type { Matrix };
