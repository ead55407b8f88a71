import { add, axpy, hadamard, scale, sub } from '../elementwise';
import { gram, matmul } from '../matmul';
import { clone, type Matrix } from '../matrix';
import { dot, frobeniusNorm, maxAbs, sum } from '../reduce';
import { BackendError } from '../errors';
import type { Device, DeviceInfo, DeviceMatrix, Operand } from './types';
import { checkOperand, checkSameShape, checkScalar, matmulShape } from './validate';

class JsDeviceMatrix implements DeviceMatrix {
  disposed = false;
  constructor(
    readonly owner: JsDevice,
    readonly value: Matrix,
  ) {}
  get rows(): number {
    return this.value.rows;
  }
  get cols(): number {
    return this.value.cols;
  }
  async read(): Promise<Matrix> {
    if (this.disposed) throw new BackendError('DeviceMatrix.read', 'this DeviceMatrix was disposed');
    return clone(this.value);
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** The synchronous CPU kernels a CPU device runs (the js ones, or the wasm ones). */
export interface CpuKernels {
  matmul(a: Matrix, b: Matrix, opts: { transA?: boolean; transB?: boolean }): Matrix;
  gram(a: Matrix, opts: { outer?: boolean }): Matrix;
  add(a: Matrix, b: Matrix): Matrix;
  sub(a: Matrix, b: Matrix): Matrix;
  hadamard(a: Matrix, b: Matrix): Matrix;
  scale(a: Matrix, alpha: number): Matrix;
  axpy(alpha: number, x: Matrix, y: Matrix): Matrix;
  sum(a: Matrix): number;
  dot(a: Matrix, b: Matrix): number;
  frobeniusNorm(a: Matrix): number;
  maxAbs(a: Matrix): number;
}

/** @x/gpu's JS reference kernels (GEMMs forced to the JS kernel, whatever enableWasm() did). */
export const JS_KERNELS: CpuKernels = {
  matmul: (a, b, o) => matmul(a, b, { ...o, backend: 'js' }),
  gram: (a, o) => gram(a, { ...o, backend: 'js' }),
  add,
  sub,
  hadamard,
  scale,
  axpy,
  sum,
  dot,
  frobeniusNorm,
  maxAbs,
};

/**
 * The `js` device: @x/gpu's synchronous float64 CPU kernels behind the async device API. It is
 * the reference every other backend is checked against.
 */
export class JsDevice implements Device {
  readonly info: DeviceInfo;
  private alive = true;
  constructor(
    info?: Partial<DeviceInfo>,
    private readonly k: CpuKernels = JS_KERNELS,
  ) {
    this.info = Object.freeze({ backend: 'js', mode: 'js', precision: 'float64', requested: 'js', ...info }) as DeviceInfo;
  }

  private owns = (d: DeviceMatrix): boolean => d instanceof JsDeviceMatrix && d.owner === this;

  private val(fn: string, name: string, x: Operand): Matrix {
    if (!this.alive) throw new BackendError(fn, 'the device was disposed');
    checkOperand(fn, name, x, this.owns);
    return x instanceof JsDeviceMatrix ? x.value : (x as Matrix);
  }

  private ret(m: Matrix, keep: boolean | undefined): Matrix | DeviceMatrix {
    return keep ? new JsDeviceMatrix(this, m) : m;
  }

  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async matmul(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    const A = this.val('matmul', 'a', a);
    const B = this.val('matmul', 'b', b);
    matmulShape(A, B, !!opts.transA, !!opts.transB);
    return this.ret(this.k.matmul(A, B, { transA: opts.transA, transB: opts.transB }), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async gram(a: Operand, opts: any = {}): Promise<any> {
    return this.ret(this.k.gram(this.val('gram', 'a', a), { outer: opts.outer }), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async add(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.binary('add', a, b, opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async sub(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.binary('sub', a, b, opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async hadamard(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.binary('hadamard', a, b, opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async scale(a: Operand, alpha: number, opts: any = {}): Promise<any> {
    checkScalar('scale', 'alpha', alpha);
    return this.ret(this.k.scale(this.val('scale', 'a', a), alpha), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async axpy(alpha: number, x: Operand, y: Operand, opts: any = {}): Promise<any> {
    checkScalar('axpy', 'alpha', alpha);
    const X = this.val('axpy', 'x', x);
    const Y = this.val('axpy', 'y', y);
    checkSameShape('axpy', X, Y);
    return this.ret(this.k.axpy(alpha, X, Y), opts.keep);
  }
  async sum(a: Operand): Promise<number> {
    return this.k.sum(this.val('sum', 'a', a));
  }
  async dot(a: Operand, b: Operand): Promise<number> {
    const A = this.val('dot', 'a', a);
    const B = this.val('dot', 'b', b);
    checkSameShape('dot', A, B);
    return this.k.dot(A, B);
  }
  async frobeniusNorm(a: Operand): Promise<number> {
    return this.k.frobeniusNorm(this.val('frobeniusNorm', 'a', a));
  }
  async maxAbs(a: Operand): Promise<number> {
    return this.k.maxAbs(this.val('maxAbs', 'a', a));
  }
  private binary(op: 'add' | 'sub' | 'hadamard', a: Operand, b: Operand, keep: boolean | undefined): Matrix | DeviceMatrix {
    const A = this.val(op, 'a', a);
    const B = this.val(op, 'b', b);
    checkSameShape(op, A, B);
    return this.ret(this.k[op](A, B), keep);
  }
  async upload(a: Matrix): Promise<DeviceMatrix> {
    return new JsDeviceMatrix(this, clone(this.val('upload', 'a', a)));
  }
  dispose(): void {
    this.alive = false;
  }
}
