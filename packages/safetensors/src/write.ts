import { DTYPE_SIZE, type Dtype, isDtype, littleEndianBytes, numberToBf16, numberToF16 } from './dtype';
import { argumentError, describeValue, isRecord, SafetensorsError } from './errors';

/**
 * A tensor to write. `data` holds the values, converted to `dtype` on the way out (numbers are
 * rounded to nearest even for F16/BF16/F32; integers and BOOL must be exact and in range), or
 * `bytes` holds the little-endian encoding already (copied verbatim, e.g. from a reader, so an
 * untouched tensor stays byte-identical).
 */
export type TensorToWrite =
  | { dtype: Dtype; shape: readonly number[]; data: ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean>; bytes?: undefined }
  | { dtype: Dtype; shape: readonly number[]; bytes: Uint8Array; data?: undefined };

/** One tensor's slot in a planned file. */
export interface PlannedTensor {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** [begin, end) within the data section. */
  readonly dataOffsets: readonly [number, number];
}

/** The header bytes and tensor order of a file about to be written. */
export interface SafetensorsPlan {
  /** 8-byte length + JSON padded with spaces to a multiple of 8. */
  readonly header: Uint8Array;
  /** Tensors in the order their bytes follow the header. */
  readonly tensors: readonly PlannedTensor[];
  /** Total file size. */
  readonly fileSize: number;
}

function checkShape(fn: string, name: string, shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new SafetensorsError('INVALID_SHAPE', `${fn}: tensor "${name}" has no shape array`, { tensor: name });
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw new SafetensorsError('INVALID_SHAPE', `${fn}: tensor "${name}" has dimension ${describeValue(d)}`, { tensor: name });
    size *= d;
  }
  if (size > Number.MAX_SAFE_INTEGER) throw new SafetensorsError('INVALID_SHAPE', `${fn}: tensor "${name}" is too large`, { tensor: name });
  return size;
}

/**
 * Plans a file: sorts tensors by name (code-unit order) so the same tensors always give the
 * same bytes, lays them out contiguously in that order, and encodes the header with
 * `__metadata__` first, padded with spaces to a multiple of 8 bytes.
 * @throws SafetensorsError `INVALID_HEADER` (bad names), `INVALID_METADATA`, `UNKNOWN_DTYPE`,
 * `INVALID_SHAPE`, `INVALID_ARGUMENT` (specs not an array of { name, dtype, shape } objects).
 */
export function planSafetensors(
  fn: string,
  specs: readonly { name: string; dtype: Dtype; shape: readonly number[] }[],
  metadata: Readonly<Record<string, string>> = {},
): SafetensorsPlan {
  if (!Array.isArray(specs)) throw argumentError(fn, 'the tensor list', 'an array', specs);
  for (const [i, s] of specs.entries()) {
    if (!isRecord(s)) throw argumentError(fn, `tensor ${i}`, 'an object { name, dtype, shape }', s);
    if (typeof s.name !== 'string') throw argumentError(fn, `the name of tensor ${i}`, 'a string', s.name);
  }
  checkMetadata(fn, metadata);
  const header: Record<string, unknown> = {};
  const metaKeys = Object.keys(metadata);
  if (metaKeys.length) {
    for (const k of metaKeys) {
      if (typeof metadata[k] !== 'string') throw new SafetensorsError('INVALID_METADATA', `${fn}: metadata["${k}"] must be a string`);
    }
    header.__metadata__ = Object.fromEntries(metaKeys.sort().map((k) => [k, metadata[k]]));
  }
  const sorted = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const planned: PlannedTensor[] = [];
  let cursor = 0;
  for (let i = 0; i < sorted.length; i++) {
    const { name, dtype, shape } = sorted[i]!;
    if (name === '__metadata__') throw new SafetensorsError('INVALID_HEADER', `${fn}: "__metadata__" is reserved and cannot name a tensor`);
    if (i > 0 && sorted[i - 1]!.name === name) throw new SafetensorsError('INVALID_HEADER', `${fn}: two tensors named "${name}"`, { tensor: name });
    if (!isDtype(dtype)) throw new SafetensorsError('UNKNOWN_DTYPE', `${fn}: tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`, { tensor: name });
    const end = cursor + checkShape(fn, name, shape) * DTYPE_SIZE[dtype];
    planned.push({ name, dtype, shape: [...shape], dataOffsets: [cursor, end] });
    header[name] = { dtype, shape: [...shape], data_offsets: [cursor, end] };
    cursor = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded).fill(0x20, 8);
  bytes.set(json, 8);
  new DataView(bytes.buffer).setUint32(0, padded, true); // < 2^32: the high word stays 0
  return { header: bytes, tensors: planned, fileSize: 8 + padded + cursor };
}

const INT_RANGE: Partial<Record<Dtype, [number, number]>> = {
  I32: [-(2 ** 31), 2 ** 31 - 1],
  I16: [-(2 ** 15), 2 ** 15 - 1],
  I8: [-128, 127],
  U8: [0, 255],
  BOOL: [0, 1],
};

/**
 * Encodes one tensor's values to little-endian bytes of its dtype: F64 exact, F32 by
 * `Math.fround` (nearest even), F16/BF16 by round-to-nearest-even from float64 (no double
 * rounding), integers and BOOL exact (bigint or number) with a range check.
 * @throws SafetensorsError `INVALID_TENSOR` (wrong length), `OUT_OF_RANGE` (value the dtype cannot hold).
 */
export function encodeTensor(fn: string, name: string, t: TensorToWrite): Uint8Array {
  checkTensor(fn, name, t);
  const size = checkShape(fn, name, t.shape);
  const width = DTYPE_SIZE[t.dtype];
  if (t.bytes !== undefined) {
    if (!(t.bytes instanceof Uint8Array) || t.bytes.length !== size * width) {
      throw new SafetensorsError('INVALID_TENSOR', `${fn}: tensor "${name}" (${t.dtype} [${t.shape.join(', ')}]) needs ${size * width} bytes, got ${t.bytes?.length}`, { tensor: name });
    }
    return t.bytes;
  }
  const src = t.data as ArrayLike<number | bigint | boolean>;
  if (!src || src.length !== size) {
    throw new SafetensorsError('INVALID_TENSOR', `${fn}: tensor "${name}" has shape [${t.shape.join(', ')}] (${size} elements) but ${src?.length} values`, { tensor: name });
  }
  const bad = (i: number): never => {
    throw new SafetensorsError('OUT_OF_RANGE', `${fn}: tensor "${name}" element ${i} = ${String(src[i])} does not fit ${t.dtype}`, { tensor: name });
  };
  const num = (i: number): number => {
    const v = src[i];
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'bigint') return Number(v);
    return bad(i);
  };
  switch (t.dtype) {
    case 'F64':
      return littleEndianBytes(Float64Array.from({ length: size }, (_, i) => num(i)), 8);
    case 'F32':
      return littleEndianBytes(Float32Array.from({ length: size }, (_, i) => num(i)), 4);
    case 'F16':
    case 'BF16': {
      const out = new Uint16Array(size);
      const enc = t.dtype === 'F16' ? numberToF16 : numberToBf16;
      for (let i = 0; i < size; i++) out[i] = enc(num(i));
      return littleEndianBytes(out, 2);
    }
    case 'I64': {
      const out = new BigInt64Array(size);
      for (let i = 0; i < size; i++) {
        const v = src[i];
        let b: bigint;
        if (typeof v === 'bigint') b = v;
        else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
        else if (typeof v === 'boolean') b = v ? 1n : 0n;
        else return bad(i);
        if (b !== BigInt.asIntN(64, b)) bad(i);
        out[i] = b;
      }
      return littleEndianBytes(out, 8);
    }
    default: {
      const [lo, hi] = INT_RANGE[t.dtype]!;
      const out =
        t.dtype === 'I32' ? new Int32Array(size) : t.dtype === 'I16' ? new Int16Array(size) : t.dtype === 'I8' ? new Int8Array(size) : new Uint8Array(size);
      for (let i = 0; i < size; i++) {
        const v = num(i);
        if (!Number.isInteger(v) || v < lo || v > hi) bad(i);
        out[i] = v;
      }
      return littleEndianBytes(out, width);
    }
  }
}

/**
 * Serializes tensors to safetensors bytes in memory: header sorted by name, `__metadata__`
 * first, JSON padded with spaces to a multiple of 8, data contiguous in the same order. The
 * same input always gives the same bytes. For files too large for memory use
 * `writeSafetensorsFile` from `@x/safetensors/node`, which streams tensor by tensor.
 * @throws SafetensorsError `INVALID_TENSOR`, `OUT_OF_RANGE`, `INVALID_SHAPE`, `UNKNOWN_DTYPE`, `INVALID_HEADER`, `INVALID_METADATA`.
 */
export function writeSafetensors(tensors: Readonly<Record<string, TensorToWrite>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const fn = 'writeSafetensors';
  const plan = planSafetensors(fn, tensorSpecs(fn, tensors), metadata);
  // Every tensor holds as many values (or bytes) as its shape says before the file is allocated:
  // its size is bounded by the data actually given, not by a claimed shape.
  for (const p of plan.tensors) checkGiven(fn, p.name, tensors[p.name]!, p.dataOffsets[1] - p.dataOffsets[0]);
  const out = new Uint8Array(plan.fileSize);
  out.set(plan.header, 0);
  for (const p of plan.tensors) out.set(encodeTensor(fn, p.name, tensors[p.name]!), plan.header.length + p.dataOffsets[0]);
  return out;
}

/** Throws `INVALID_METADATA` unless `metadata` is an object (its values are checked by the planner). */
function checkMetadata(fn: string, metadata: unknown): void {
  if (!isRecord(metadata)) throw new SafetensorsError('INVALID_METADATA', `${fn}: metadata must be an object of strings, got ${describeValue(metadata)}`);
}

/** Throws `INVALID_TENSOR` unless `t` is an object with a known dtype (`UNKNOWN_DTYPE` otherwise). */
function checkTensor(fn: string, name: string, t: unknown): void {
  if (!isRecord(t)) throw new SafetensorsError('INVALID_TENSOR', `${fn}: tensor "${name}" must be an object { dtype, shape, data | bytes }, got ${describeValue(t)}`, { tensor: name });
  if (!isDtype(t.dtype)) throw new SafetensorsError('UNKNOWN_DTYPE', `${fn}: tensor "${name}" has unknown dtype ${describeValue(t.dtype)}`, { tensor: name });
}

/**
 * The writers' tensor list from a record of tensors: `INVALID_ARGUMENT` unless `tensors` is an
 * object, `INVALID_TENSOR` / `UNKNOWN_DTYPE` for an entry that is not a tensor.
 */
export function tensorSpecs(fn: string, tensors: unknown): { name: string; dtype: Dtype; shape: readonly number[] }[] {
  if (!isRecord(tensors)) throw argumentError(fn, 'tensors', 'an object of named tensors', tensors);
  return Object.entries(tensors).map(([name, t]) => {
    checkTensor(fn, name, t);
    const { dtype, shape } = t as { dtype: Dtype; shape: readonly number[] };
    return { name, dtype, shape };
  });
}

/** Throws `INVALID_TENSOR` unless the tensor's `bytes` (or `data`) hold exactly `byteLength` bytes (or that many elements' worth). */
function checkGiven(fn: string, name: string, t: TensorToWrite, byteLength: number): void {
  const width = DTYPE_SIZE[t.dtype];
  if (t.bytes !== undefined) {
    if (!(t.bytes instanceof Uint8Array) || t.bytes.length !== byteLength) {
      throw new SafetensorsError('INVALID_TENSOR', `${fn}: tensor "${name}" (${t.dtype} [${t.shape.join(', ')}]) needs ${byteLength} bytes, got ${describeValue(t.bytes)}${t.bytes instanceof Uint8Array ? ` of ${t.bytes.length}` : ''}`, { tensor: name });
    }
    return;
  }
  const src = t.data as ArrayLike<unknown> | undefined;
  const n = src !== null && typeof src === 'object' && typeof src.length === 'number' ? src.length : -1;
  if (n * width !== byteLength) {
    throw new SafetensorsError('INVALID_TENSOR', `${fn}: tensor "${name}" has shape [${t.shape.join(', ')}] (${byteLength / width} elements) but ${n < 0 ? describeValue(src) : `${n} values`}`, { tensor: name });
  }
}
