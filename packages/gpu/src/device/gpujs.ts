import { BackendError, ShapeError } from '../errors';
import { alloc, type DType, dtypeOf, type Matrix } from '../matrix';
import {
  type ElementwiseOp,
  elementwiseSource,
  matmulSource,
  ROW_REDUCE_SOURCES,
  type RowReduceOp,
} from './kernels';
import { type Device, type DeviceInfo, type DeviceMatrix, type DeviceMode, GPU_MODES, type KernelLaunch, type Operand } from './types';
import { checkOperand, checkSameShape, checkScalar, matmulShape } from './validate';

/* The slice of gpu.js's API this backend uses. gpu.js has no ESM entry or exports map, so it is
 * typed structurally here rather than imported. */
interface GpuTexture {
  toArray(): unknown;
  delete(): void;
}
/** A compiled gpu.js kernel, as far as @x/gpu uses it: callable, and `destroy()` frees its GL objects. */
export interface GpujsKernel {
  (...args: unknown[]): unknown;
  destroy?(removeCanvasReferences?: boolean): void;
}
/** A `new GPU()` instance of gpu.js, as far as @x/gpu uses it. */
export interface GpujsInstance {
  Kernel: unknown;
  createKernel(source: string, settings: Record<string, unknown>): GpujsKernel;
  destroy(): unknown;
}
interface GpuKernelClass {
  features?: { isFloatRead?: boolean; isTextureFloat?: boolean; maxTextureSize?: number } | null;
  testContext?: { getParameter(p: number): unknown; getExtension(name: string): unknown; RENDERER?: number } | null;
}

/** The GL renderer string of gpu.js's probe context (unmasked where the browser allows). */
function rendererOf(K: GpuKernelClass): string | undefined {
  try {
    const gl = K.testContext;
    if (!gl) return undefined;
    const dbg = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
    const r = dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER ?? 0x1f01);
    return typeof r === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gives the host a turn between kernel launches: gpu.js runs WebGL kernels synchronously, and
 * without this an awaited chain of kernels would never let a browser page paint or fire events.
 */
function yieldToHost(): Promise<void> {
  const sched = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof sched?.yield === 'function') return sched.yield();
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return Promise.resolve();
}
/** The gpu.js module (what `import('gpu.js')` gives). Pass your own copy as `createDevice({ gpujs })`. */
export interface GpujsModule {
  GPU: new (settings?: Record<string, unknown>) => GpujsInstance;
  input: (data: Float32Array, size: number[]) => unknown;
  HeadlessGLKernel?: unknown;
  WebGL2Kernel?: unknown;
  WebGLKernel?: unknown;
  WebGPUKernel?: unknown;
  WebAssemblyKernel?: unknown;
  CPUKernel?: unknown;
}

/** Options of the gpujs device: the gpu.js mode, a texture-size cap, and the gpu.js module to use. */
export interface GpujsDeviceOptions {
  /** A specific gpu.js mode. Without it gpu.js picks; only GPU modes are accepted then. */
  mode?: Exclude<DeviceMode, 'js' | 'wasm'>;
  /** Cap on texture sides, below the context's own limit (used to test output tiling). */
  maxTextureSize?: number;
  /** The gpu.js module to use instead of `import('gpu.js')`. */
  gpujs?: GpujsModule;
}

/**
 * Why gpu.js did not load, and what to do. In a bundled app the dynamic import by name fails
 * even when gpu.js is installed (the bundler never saw it), so the first remedy is to pass the
 * module; installing it is the remedy in Node.
 */
export function gpujsLoadFailure(cause: string): string {
  return (
    `gpu.js could not be loaded (${cause}). In a bundled app (Vite, webpack, esbuild), import it and ` +
    "pass the module: createDevice({ backend: 'gpujs', gpujs: await import('gpu.js') }). " +
    'Where it is not installed: npm i gpu.js (an optional peer dependency of @x/gpu)'
  );
}

async function loadGpujs(given?: GpujsModule): Promise<GpujsModule> {
  if (given) return given;
  let mod: Record<string, unknown>;
  try {
    const specifier = 'gpu.js';
    mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (e) {
    throw new BackendError(
      'createDevice({ backend: "gpujs" })',
      gpujsLoadFailure((e as Error).message),
    );
  }
  const m = (mod.GPU ? mod : (mod.default as Record<string, unknown> | undefined)) ?? mod;
  if (typeof m.GPU !== 'function') {
    throw new BackendError('createDevice({ backend: "gpujs" })', 'the loaded gpu.js module has no GPU class');
  }
  return m as unknown as GpujsModule;
}

function modeOf(mod: GpujsModule, K: unknown): DeviceMode | null {
  if (!K) return null;
  if (K === mod.HeadlessGLKernel) return 'headlessgl';
  if (K === mod.WebGL2Kernel) return 'webgl2';
  if (K === mod.WebGLKernel) return 'webgl';
  if (K === mod.WebGPUKernel) return 'webgpu';
  if (K === mod.WebAssemblyKernel) return 'webasm';
  if (K === mod.CPUKernel) return 'cpu';
  return null;
}

const NO_GPU_HINT =
  'in Node, headless GL needs the optional `gl` package built (pnpm: list it in onlyBuiltDependencies) and an X display (xvfb-run); in browsers, WebGL2 or WebGL with float textures';

class GpuDeviceMatrix implements DeviceMatrix {
  disposed = false;
  constructor(
    readonly owner: GpujsDevice,
    readonly rows: number,
    readonly cols: number,
    /** Where the values live: a texture (fits one texture) or host float32 data (tiled results). */
    readonly texture: GpuTexture | null,
    readonly host: Float32Array | null,
    readonly dtype: DType,
  ) {}
  async read(): Promise<Matrix> {
    if (this.disposed) throw new BackendError('DeviceMatrix.read', 'this DeviceMatrix was disposed');
    const out = alloc(this.dtype, this.rows * this.cols);
    if (this.host) out.set(this.host);
    else await copyRows(this.texture!.toArray(), out, this.cols);
    return { rows: this.rows, cols: this.cols, data: out };
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.texture?.delete();
  }
}

async function copyRows(result: unknown, out: MatrixDataLike, cols: number, rowOffset = 0, colOffset = 0, ldo = cols): Promise<void> {
  const r = (await result) as ArrayLike<ArrayLike<number>> | ArrayLike<number>;
  if (r.length > 0 && typeof (r as ArrayLike<unknown>)[0] === 'number') {
    // 1-row outputs come back flat.
    const row = r as ArrayLike<number>;
    for (let j = 0; j < row.length; j++) out[rowOffset * ldo + colOffset + j] = row[j]!;
    return;
  }
  const rows = r as ArrayLike<ArrayLike<number>>;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const base = (rowOffset + i) * ldo + colOffset;
    for (let j = 0; j < cols; j++) out[base + j] = row[j]!;
  }
}

type MatrixDataLike = Float64Array | Float32Array;

/**
 * The gpu.js device. Kernels compute in float32 (`precision: 'single'`; lossy 'unsigned'
 * packing is refused). Outputs larger than the texture limit are computed in tiles. With
 * `{ keep: true }` results stay on the GPU as textures (pipeline mode) for the next kernel.
 */
export class GpujsDevice implements Device {
  readonly info: DeviceInfo;
  private readonly kernels = new Map<string, GpujsKernel>();
  private readonly tile: number;
  private alive = true;

  private constructor(
    private readonly mod: GpujsModule,
    private readonly gpu: GpujsInstance,
    info: DeviceInfo,
  ) {
    this.info = Object.freeze(info);
    this.tile = info.maxTextureSize ?? 4096;
  }

  /** Creates the device or throws a BackendError saying why it cannot. */
  static async create(opts: GpujsDeviceOptions = {}, requested: 'gpujs' | 'auto' = 'gpujs'): Promise<GpujsDevice> {
    const mod = await loadGpujs(opts.gpujs);
    let gpu: GpujsInstance;
    try {
      gpu = new mod.GPU({ mode: opts.mode ?? 'gpu' });
    } catch (e) {
      throw new BackendError(`gpu.js mode "${opts.mode ?? 'gpu'}"`, `${(e as Error).message}; ${NO_GPU_HINT}`);
    }
    const K = gpu.Kernel as GpuKernelClass;
    const mode = modeOf(mod, K);
    if (!mode) throw new BackendError('gpu.js', 'could not tell which kernel class gpu.js chose');
    if (!opts.mode && !GPU_MODES.includes(mode)) {
      gpu.destroy();
      throw new BackendError('gpu.js has no GPU context here', `it would run in its "${mode}" mode; ${NO_GPU_HINT}`);
    }
    const f = K.features ?? null;
    if (GPU_MODES.includes(mode) && mode !== 'webgpu' && !(f?.isFloatRead && f?.isTextureFloat)) {
      gpu.destroy();
      throw new BackendError(
        `gpu.js ${mode}`,
        'float textures cannot be rendered or read here, so only the lossy "unsigned" (RGBA8) packing would work; refusing it',
      );
    }
    const contextMax = f?.maxTextureSize && Number.isFinite(f.maxTextureSize) ? f.maxTextureSize : 16384;
    const maxTextureSize = Math.min(contextMax, opts.maxTextureSize ?? Number.POSITIVE_INFINITY);
    const renderer = rendererOf(K);
    return new GpujsDevice(mod, gpu, {
      backend: 'gpujs',
      mode,
      precision: 'float32',
      requested,
      maxTextureSize,
      ...(renderer ? { renderer } : {}),
    });
  }

  private owns = (d: DeviceMatrix): boolean => d instanceof GpuDeviceMatrix && d.owner === this;

  private live(fn: string): void {
    if (!this.alive) throw new BackendError(fn, 'the device was disposed');
  }

  private kernel(key: string, source: string, settings: Record<string, unknown>): GpujsKernel {
    let k = this.kernels.get(key);
    if (!k) {
      k = this.gpu.createKernel(source, {
        precision: 'single',
        tactic: 'precision',
        immutable: true,
        ...settings,
      });
      this.kernels.set(key, k);
    }
    return k;
  }

  /** A kernel argument: textures pass through; CPU matrices go up as float32 inputs. */
  private arg(x: Operand): { value: unknown; kind: 't' | 'a' } {
    if (x instanceof GpuDeviceMatrix) {
      if (x.texture) return { value: x.texture, kind: 't' };
      return { value: this.mod.input(x.host!, [x.cols, x.rows]), kind: 'a' };
    }
    const m = x as Matrix;
    // An empty operand only feeds an empty output, which runTiled returns without a launch.
    if (m.data.length === 0) return { value: null, kind: 'a' };
    const f32 = m.data instanceof Float32Array ? m.data : Float32Array.from(m.data);
    return { value: this.mod.input(f32, [m.cols, m.rows]), kind: 'a' };
  }

  private dtypeOf(x: Operand): DType {
    return x instanceof GpuDeviceMatrix ? x.dtype : dtypeOf(x as Matrix);
  }

  /**
   * Runs a 2-D output kernel over a rows x cols result, one launch per tile of at most
   * maxTextureSize per side, and returns a Matrix or a DeviceMatrix.
   */
  private async runTiled(
    name: string,
    source: string,
    rows: number,
    cols: number,
    args: { value: unknown; kind: string }[],
    scalars: number[],
    constants: Record<string, number>,
    dtype: DType,
    keep: boolean,
  ): Promise<Matrix | DeviceMatrix> {
    const T = this.tile;
    const single = rows <= T && cols <= T;
    const kinds = args.map((a) => a.kind).join('');
    if (rows === 0 || cols === 0) {
      const empty = { rows, cols, data: alloc(dtype, 0) };
      return keep ? new GpuDeviceMatrix(this, rows, cols, null, new Float32Array(0), dtype) : empty;
    }
    if (single && keep) {
      const k = this.kernel(`${name}|${kinds}|${rows}x${cols}|${JSON.stringify(constants)}|p`, source, {
        output: [cols, rows],
        constants: { ...constants, r0: 0, c0: 0 },
        pipeline: true,
      });
      const tex = (await k(...args.map((a) => a.value), ...scalars)) as GpuTexture;
      await yieldToHost();
      return new GpuDeviceMatrix(this, rows, cols, tex, null, dtype);
    }
    const host = keep ? new Float32Array(rows * cols) : alloc(dtype, rows * cols);
    for (let r0 = 0; r0 < rows; r0 += T) {
      const tr = Math.min(T, rows - r0);
      for (let c0 = 0; c0 < cols; c0 += T) {
        const tc = Math.min(T, cols - c0);
        const k = this.kernel(`${name}|${kinds}|${tr}x${tc}@${r0},${c0}|${JSON.stringify(constants)}`, source, {
          output: [tc, tr],
          constants: { ...constants, r0, c0 },
          pipeline: false,
        });
        await copyRows(k(...args.map((a) => a.value), ...scalars), host, tc, r0, c0, cols);
        await yieldToHost();
      }
    }
    if (keep) return new GpuDeviceMatrix(this, rows, cols, null, host as Float32Array, dtype);
    return { rows, cols, data: host };
  }

  /** Per-row partial reductions on the GPU, finished in float64 on the CPU. */
  private async rowReduce(op: RowReduceOp, a: Operand, b: Operand | null, scalars: number[]): Promise<Float64Array> {
    if (a.rows === 0 || a.cols === 0) return new Float64Array(0);
    const args = b ? [this.arg(a), this.arg(b)] : [this.arg(a)];
    const kinds = args.map((x) => x.kind).join('');
    const k = this.kernel(`reduce:${op}|${kinds}|${a.rows}x${a.cols}`, ROW_REDUCE_SOURCES[op], {
      output: [a.rows],
      constants: { C: a.cols },
      pipeline: false,
    });
    const r = (await k(...args.map((x) => x.value), ...scalars)) as ArrayLike<number>;
    return Float64Array.from(r);
  }

  private check(fn: string, name: string, x: Operand): void {
    this.live(fn);
    checkOperand(fn, name, x, this.owns);
  }

  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the Device interface
  async matmul(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    this.check('matmul', 'a', a);
    this.check('matmul', 'b', b);
    const transA = !!opts.transA;
    const transB = !!opts.transB;
    const { m, n, k } = matmulShape(a, b, transA, transB);
    if (k === 0) {
      const z = { rows: m, cols: n, data: alloc(this.resDtype(a, b), m * n) };
      return opts.keep ? this.upload(z) : z;
    }
    return this.runTiled(
      `matmul${+transA}${+transB}`,
      matmulSource(transA, transB),
      m,
      n,
      [this.arg(a), this.arg(b)],
      [],
      { K: k },
      this.resDtype(a, b),
      !!opts.keep,
    );
  }

  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the Device interface
  async gram(a: Operand, opts: any = {}): Promise<any> {
    this.check('gram', 'a', a);
    const outer = !!opts.outer;
    // The same GEMM kernel with one operand transposed; the result is symmetrized on readback.
    const r = await this.matmul(a, a, { transA: !outer, transB: outer, keep: opts.keep });
    if (opts.keep) return r;
    const m = r as Matrix;
    const n = m.rows;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const v = 0.5 * (m.data[i * n + j]! + m.data[j * n + i]!);
        m.data[i * n + j] = v;
        m.data[j * n + i] = v;
      }
    }
    return m;
  }

  private resDtype(a: Operand, b: Operand): DType {
    return this.dtypeOf(a) === 'float32' && this.dtypeOf(b) === 'float32' ? 'float32' : 'float64';
  }

  private async elementwise(op: ElementwiseOp, operands: Operand[], scalars: number[], keep: boolean): Promise<Matrix | DeviceMatrix> {
    const [a] = operands as [Operand];
    const dtype = operands.length === 2 ? this.resDtype(a, operands[1]!) : this.dtypeOf(a);
    return this.runTiled(op, elementwiseSource(op), a.rows, a.cols, operands.map((x) => this.arg(x)), scalars, {}, dtype, keep);
  }

  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the Device interface
  async add(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.binary('add', a, b, opts);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the Device interface
  async sub(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.binary('sub', a, b, opts);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the Device interface
  async hadamard(a: Operand, b: Operand, opts: any = {}): Promise<any> {
    return this.binary('hadamard', a, b, opts);
  }
  private binary(op: 'add' | 'sub' | 'hadamard', a: Operand, b: Operand, opts: { keep?: boolean }): Promise<Matrix | DeviceMatrix> {
    this.check(op, 'a', a);
    this.check(op, 'b', b);
    checkSameShape(op, a, b);
    return this.elementwise(op, [a, b], [], !!opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the Device interface
  async scale(a: Operand, alpha: number, opts: any = {}): Promise<any> {
    this.check('scale', 'a', a);
    checkScalar('scale', 'alpha', alpha);
    return this.elementwise('scale', [a], [alpha], !!opts.keep);
  }
  // biome-ignore lint/suspicious/noExplicitAny: overloads are declared on the Device interface
  async axpy(alpha: number, x: Operand, y: Operand, opts: any = {}): Promise<any> {
    this.check('axpy', 'x', x);
    this.check('axpy', 'y', y);
    checkScalar('axpy', 'alpha', alpha);
    checkSameShape('axpy', x, y);
    return this.elementwise('axpy', [x, y], [alpha], !!opts.keep);
  }
  async sum(a: Operand): Promise<number> {
    this.check('sum', 'a', a);
    return sumF64(await this.rowReduce('sum', a, null, []));
  }
  async dot(a: Operand, b: Operand): Promise<number> {
    this.check('dot', 'a', a);
    this.check('dot', 'b', b);
    checkSameShape('dot', a, b);
    return sumF64(await this.rowReduce('dot', a, b, []));
  }
  async maxAbs(a: Operand): Promise<number> {
    this.check('maxAbs', 'a', a);
    const r = await this.rowReduce('maxAbs', a, null, []);
    let m = 0;
    for (let i = 0; i < r.length; i++) m = Math.max(m, r[i]!);
    return m;
  }
  async frobeniusNorm(a: Operand): Promise<number> {
    // Scaling by the max-abs entry keeps float32 squares from overflowing (entries above ~1e19).
    const s = await this.maxAbs(a);
    if (s === 0 || !Number.isFinite(s)) return s;
    return s * Math.sqrt(sumF64(await this.rowReduce('sumSquaresScaled', a, null, [1 / s])));
  }
  async runKernel(launch: KernelLaunch): Promise<Matrix> {
    this.live('runKernel');
    const { name, source, rows, cols, inputs, constants = {} } = launch;
    if (typeof source !== 'string' || !/^\s*function\s*\(/.test(source)) {
      throw new BackendError('runKernel', 'source must be a gpu.js kernel function written as a string: "function (a, b) { ... }"');
    }
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
      throw new ShapeError(`runKernel(${name}): output shape must be non-negative integers, got ${rows}x${cols}`);
    }
    inputs.forEach((m, i) => {
      checkOperand('runKernel', `inputs[${i}]`, m, this.owns);
    });
    for (const [k, v] of Object.entries(constants)) checkScalar('runKernel', `constants.${k}`, v);
    const T = this.tile;
    if ((rows > T || cols > T) && !/constants\.r0/.test(source)) {
      throw new BackendError(
        `runKernel(${name})`,
        `the ${rows}x${cols} output exceeds the ${T} texture limit and the source does not use this.constants.r0/c0, so it cannot be tiled`,
      );
    }
    return this.runTiled(`custom:${name}`, source, rows, cols, inputs.map((x) => this.arg(x)), [], constants, 'float64', false) as Promise<Matrix>;
  }
  async upload(a: Matrix): Promise<DeviceMatrix> {
    this.check('upload', 'a', a);
    return this.runTiled('copy', elementwiseSource('copy'), a.rows, a.cols, [this.arg(a)], [], {}, dtypeOf(a), true) as Promise<DeviceMatrix>;
  }
  dispose(): void {
    if (!this.alive) return;
    this.alive = false;
    this.kernels.clear();
    this.gpu.destroy();
  }
}

function sumF64(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}
