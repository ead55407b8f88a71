import type { GramOptions, MatmulOptions } from '../matmul-options';
import type { Matrix } from '../matrix';

/** Which implementation a device was asked for. */
export type BackendName = 'js' | 'wasm' | 'gpujs' | 'auto';

/** What really runs: `js` and `wasm` are @x/gpu's own CPU kernels; the rest are gpu.js modes. */
export type DeviceMode = 'js' | 'wasm' | 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu' | 'webasm' | 'cpu';

/** gpu.js modes that use a GPU context. */
export const GPU_MODES: readonly DeviceMode[] = ['headlessgl', 'webgl2', 'webgl', 'webgpu'];

/** What a device runs on: backend, mode, precision, what was requested, why it fell back, texture limit, renderer, threads and why only one. */
export interface DeviceInfo {
  /** The implementation that runs (never 'auto'). */
  readonly backend: 'js' | 'wasm' | 'gpujs';
  /** The mode that really runs, read back from gpu.js after it chose a kernel class. */
  readonly mode: DeviceMode;
  /** Arithmetic precision of the kernels: the js backend computes in float64, gpu.js in float32. */
  readonly precision: 'float64' | 'float32';
  /** The backend that was asked for. */
  readonly requested: BackendName;
  /** Set when `auto` did not get a GPU: why, in words. */
  readonly fallbackReason?: string;
  /** Largest texture side the kernels will use (after any `maxTextureSize` override). */
  readonly maxTextureSize?: number;
  /** The GL renderer string (gpujs), e.g. 'ANGLE (..., SwiftShader ...)' or 'llvmpipe'. */
  readonly renderer?: string;
  /** CPU threads the kernels use (js and wasm backends). */
  readonly threads?: number;
  /** Why the kernels run on fewer threads than the machine has, when they do. */
  readonly threadsReason?: string;
}

/**
 * A matrix that lives on a device (a gpu.js texture, or a CPU matrix for the js backend).
 * Ops called with `{ keep: true }` return one, so chained kernels never leave the GPU.
 * Call `dispose()` when done: GPU memory is not garbage collected.
 */
export interface DeviceMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly disposed: boolean;
  /** Copies the values back to the CPU. */
  read(): Promise<Matrix>;
  /** Frees the GPU storage. Idempotent. */
  dispose(): void;
}

/** A matrix on the CPU or on the device. */
export type Operand = Matrix | DeviceMatrix;

/** `{ keep: true }` keeps a device result on the device (a DeviceMatrix) for the next kernel. */
export interface KeepOption {
  /** Leave the result on the device and return a {@link DeviceMatrix}. */
  keep?: boolean;
}

/**
 * One launch of a custom gpu.js kernel ({@link Device.runKernel}). `source` is a gpu.js kernel
 * function as a string (strings survive bundlers; no eval happens in `@x`), run over a rows x cols
 * output: `this.thread.y` is the row and `this.thread.x` the column. Each input is passed as a
 * 2-D float32 array read as `a[row][col]`; `constants` become `this.constants.*`. Outputs larger
 * than the texture limit are computed in tiles: the source must then add `this.constants.r0`
 * and `this.constants.c0` (the tile's offsets, 0 otherwise) to its thread indices.
 */
export interface KernelLaunch {
  /** Cache key prefix (kernels are compiled once per name, shape and constants). */
  name: string;
  source: string;
  rows: number;
  cols: number;
  inputs: Matrix[];
  constants?: Record<string, number>;
}

/**
 * A compute device. Every kernel returns a Promise, so a WebGPU backend fits the same API.
 * Inputs are never mutated. Results keep the CPU dtype rules (float32 only when all inputs are
 * float32); values computed by gpu.js are float32-accurate whatever the result dtype.
 */
export interface Device {
  readonly info: DeviceInfo;
  /** op(A) op(B); see {@link matmul}. */
  matmul(a: Operand, b: Operand, opts: MatmulKeep): Promise<DeviceMatrix>;
  matmul(a: Operand, b: Operand, opts?: Omit<MatmulOptions, 'out'> & { keep?: false }): Promise<Matrix>;
  /** AᵀA (or AAᵀ with `outer`). */
  gram(a: Operand, opts: GramOptions & { keep: true }): Promise<DeviceMatrix>;
  gram(a: Operand, opts?: GramOptions & { keep?: false }): Promise<Matrix>;
  add(a: Operand, b: Operand, opts: { keep: true }): Promise<DeviceMatrix>;
  add(a: Operand, b: Operand, opts?: { keep?: false }): Promise<Matrix>;
  sub(a: Operand, b: Operand, opts: { keep: true }): Promise<DeviceMatrix>;
  sub(a: Operand, b: Operand, opts?: { keep?: false }): Promise<Matrix>;
  hadamard(a: Operand, b: Operand, opts: { keep: true }): Promise<DeviceMatrix>;
  hadamard(a: Operand, b: Operand, opts?: { keep?: false }): Promise<Matrix>;
  scale(a: Operand, alpha: number, opts: { keep: true }): Promise<DeviceMatrix>;
  scale(a: Operand, alpha: number, opts?: { keep?: false }): Promise<Matrix>;
  /** alpha x + y */
  axpy(alpha: number, x: Operand, y: Operand, opts: { keep: true }): Promise<DeviceMatrix>;
  axpy(alpha: number, x: Operand, y: Operand, opts?: { keep?: false }): Promise<Matrix>;
  sum(a: Operand): Promise<number>;
  dot(a: Operand, b: Operand): Promise<number>;
  frobeniusNorm(a: Operand): Promise<number>;
  maxAbs(a: Operand): Promise<number>;
  /**
   * Runs a custom gpu.js kernel (gpujs devices only; CPU devices do not have this method, since
   * running kernel source on the CPU would need eval). Result dtype is float64 holding
   * float32-accurate values.
   */
  runKernel?(launch: KernelLaunch): Promise<Matrix>;
  /** Puts a matrix on the device. */
  upload(a: Matrix): Promise<DeviceMatrix>;
  /** Releases every kernel and texture the device made. The device is unusable afterwards. */
  dispose(): void;
}

/** `matmul` options that keep the product on the device (`keep: true`; no `out` buffer then). */
export type MatmulKeep = Omit<MatmulOptions, 'out'> & { keep: true };
