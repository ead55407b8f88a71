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

/**
 * The `js` device: @x/gpu's synchronous float64 CPU kernels behind the async device API. It is
 * the reference every other backend is checked against.
 */
export class JsDevice implements Device {
  readonly info: DeviceInfo;
  private alive = true;
  constructor(info?: Partial<DeviceInfo>) {
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
    return this.ret(matmul(A, B, { transA: opts.transA, transB: opts.transB }), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async gram(a: Operand, opts: any = {}): Promise<any> {
    return this.ret(gram(this.val('gram', 'a', a), { outer: opts.outer }), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async add(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.ret(add(this.val('add', 'a', a), this.val('add', 'b', b)), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async sub(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.ret(sub(this.val('sub', 'a', a), this.val('sub', 'b', b)), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async hadamard(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.ret(hadamard(this.val('hadamard', 'a', a), this.val('hadamard', 'b', b)), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async scale(a: Operand, alpha: number, opts: any = {}): Promise<any> {
    checkScalar('scale', 'alpha', alpha);
    return this.ret(scale(this.val('scale', 'a', a), alpha), opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the interface
  async axpy(alpha: number, x: Operand, y: Operand, opts: any = {}): Promise<any> {
    checkScalar('axpy', 'alpha', alpha);
    const X = this.val('axpy', 'x', x);
    const Y = this.val('axpy', 'y', y);
    checkSameShape('axpy', X, Y);
    return this.ret(axpy(alpha, X, Y), opts.keep);
  }
  async sum(a: Operand): Promise<number> {
    return sum(this.val('sum', 'a', a));
  }
  async dot(a: Operand, b: Operand): Promise<number> {
    return dot(this.val('dot', 'a', a), this.val('dot', 'b', b));
  }
  async frobeniusNorm(a: Operand): Promise<number> {
    return frobeniusNorm(this.val('frobeniusNorm', 'a', a));
  }
  async maxAbs(a: Operand): Promise<number> {
    return maxAbs(this.val('maxAbs', 'a', a));
  }
  async upload(a: Matrix): Promise<DeviceMatrix> {
    return new JsDeviceMatrix(this, clone(this.val('upload', 'a', a)));
  }
  dispose(): void {
    this.alive = false;
  }
}
