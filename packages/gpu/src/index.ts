export {
  AbortError,
  BackendError,
  ConvergenceError,
  DomainError,
  isAbortError,
  isBackendError,
  isConvergenceError,
  isDomainError,
  isShapeError,
  isXError,
  ShapeError,
  XError,
} from './errors';
export { type GpuCopy, loadedCopies } from './registry';
export {
  alloc,
  assertFinite,
  assertMatrix,
  astype,
  clone,
  type DType,
  dtypeOf,
  eye,
  fromRows,
  isMatrix,
  type Matrix,
  type MatrixData,
  matrix,
  shapeOf,
  toRows,
  transpose,
  zeros,
} from './matrix';
export { type Rng, type RngState, randn, randu, rng } from './rng';
export { decodeArray, type EncodedArray, encodeArray } from './codec';
export { isStateJSON, parseStateText, readState, STATE_VERSION, type StateJSON, StateReader, stateJSON } from './state';
export { type GramOptions, gram, type MatmulOptions, matmul, resultDtype } from './matmul';
export { type CpuRoute, type GemmOperand, gemmAccumulate } from './gemm';
export { add, axpy, axpyInPlace, hadamard, scale, sub } from './elementwise';
export { leadingCols, leadingRows, scaleCols, scaleRows } from './slice';
export { dot, frobeniusNorm, maxAbs, sum } from './reduce';
export { type CreateDeviceOptions, createDevice } from './device/create';
export type { GpujsDeviceOptions, GpujsInstance, GpujsKernel, GpujsModule } from './device/gpujs';
export type { BackendName, Device, DeviceInfo, DeviceMatrix, DeviceMode, KeepOption, KernelLaunch, MatmulKeep, Operand } from './device/types';
export { cpuBackend, gemmAccumulateJs, ready } from './gemm';
export { disableWasm, enableWasm } from './wasm/enable';
export { relaxedSimdSupported, wasmSimdSupported } from './wasm/runtime';
export { gemvAccumulate, gemvJs, symvAccumulate, symvJs, withWorkspace } from './level2';
export { secularSums, secularSumsJs } from './secular';
export { type EnableWasmOptions, type WasmThreads, wasmFma, wasmThreads } from './wasm/enable';
