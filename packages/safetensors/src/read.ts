import { bigIntsToNumbers, type Dtype, decodeNative, type NativeArray, toFloat32, toFloat64 } from './dtype';
import { SafetensorsError } from './errors';
import { parseHeader, parseHeaderLength, type SafetensorsHeader, type TensorInfo } from './header';
import { type ByteSource, type SafetensorsSource, toByteSource } from './source';

/** A tensor with its data decoded to a typed array. */
export interface Tensor<D extends ArrayLike<unknown> = NativeArray> {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: D;
}

/**
 * An open safetensors file: the validated header, and tensors read on demand, one at a time.
 * Reads never hold more than the tensor asked for.
 */
export interface SafetensorsReader extends SafetensorsHeader {
  /** Total bytes of the file. */
  readonly fileSize: number;
  /** Tensor names in data order. */
  readonly names: readonly string[];
  /** True when the file has a tensor of that name. */
  has(name: string): boolean;
  /** Where a tensor lives. @throws SafetensorsError `NOT_FOUND`. */
  info(name: string): TensorInfo;
  /** The tensor's raw little-endian bytes, exactly as stored (for byte-identical copies). */
  bytes(name: string): Promise<Uint8Array>;
  /**
   * The tensor in its own element type: Float64Array (F64), Float32Array (F32), Uint16Array of
   * raw bits (F16, BF16), BigInt64Array (I64), Int32Array, Int16Array, Int8Array, Uint8Array
   * (U8, and BOOL as 0/1).
   */
  tensor(name: string): Promise<Tensor>;
  /** Decoded to Float32Array (exact for F32/F16/BF16/I8/I16/U8/BOOL; F64 and I32/I64 round). */
  float32(name: string): Promise<Tensor<Float32Array>>;
  /** Decoded to Float64Array (exact for every dtype; I64 outside ±(2^53-1) is refused). */
  float64(name: string): Promise<Tensor<Float64Array>>;
  /** An I64 tensor as numbers, refusing values that are not safe integers (`OUT_OF_RANGE`). */
  int64AsNumbers(name: string): Promise<Tensor<Float64Array>>;
  /** Releases the source (a Node file handle); other sources need no closing. */
  close(): Promise<void>;
}

async function readExactly(fn: string, src: ByteSource, offset: number, length: number): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await src.read(offset, length);
  } catch (cause) {
    if (cause instanceof SafetensorsError) throw cause;
    throw new SafetensorsError('IO', `${fn}: reading ${length} bytes at offset ${offset} failed (${(cause as Error).message})`, { cause });
  }
  if (bytes.length !== length) {
    throw new SafetensorsError('TRUNCATED', `${fn}: expected ${length} bytes at offset ${offset}, the source gave ${bytes.length}`);
  }
  return bytes;
}

/**
 * Opens a safetensors file: reads the 8-byte header length and the JSON header (nothing else),
 * validates it (see {@link parseHeader}) and returns a reader whose tensors are read lazily
 * with one positioned read each (`Blob.slice` for a Blob, a subarray for bytes, a file read in
 * Node through `@x/safetensors/node`).
 *
 * Format: Hugging Face safetensors (github.com/huggingface/safetensors, "Format" section).
 * @throws SafetensorsError for every malformed file, with the code of the broken rule.
 */
export async function readSafetensors(source: SafetensorsSource): Promise<SafetensorsReader> {
  const fn = 'readSafetensors';
  const src = toByteSource(fn, source);
  try {
    return await openSource(fn, src);
  } catch (e) {
    await src.close?.();
    throw e;
  }
}

/** Opens an already wrapped source (used by the Node entry). */
export async function openSource(fn: string, src: ByteSource): Promise<SafetensorsReader> {
  const fileSize = src.size;
  const prefix = fileSize >= 8 ? await readExactly(fn, src, 0, 8) : new Uint8Array(0);
  const n = parseHeaderLength(fn, prefix, fileSize);
  const header = parseHeader(fn, await readExactly(fn, src, 8, n), fileSize);
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const info = (name: string): TensorInfo => {
    const t = byName.get(name);
    if (!t) throw new SafetensorsError('NOT_FOUND', `${fn}: no tensor named "${name}"`, { tensor: name });
    return t;
  };
  const bytes = async (name: string) => {
    const t = info(name);
    return readExactly(fn, src, t.byteOffset, t.byteLength);
  };
  const tensor = async (name: string): Promise<Tensor> => {
    const t = info(name);
    return { dtype: t.dtype, shape: t.shape, data: decodeNative(t.dtype, await bytes(name)) };
  };
  return {
    ...header,
    fileSize,
    names: header.tensors.map((t) => t.name),
    has: (name) => byName.has(name),
    info,
    bytes,
    tensor,
    float32: async (name) => {
      const t = await tensor(name);
      return { dtype: t.dtype, shape: t.shape, data: toFloat32(t.dtype, t.data, name) };
    },
    float64: async (name) => {
      const t = await tensor(name);
      return { dtype: t.dtype, shape: t.shape, data: toFloat64(t.dtype, t.data, name) };
    },
    int64AsNumbers: async (name) => {
      const t = await tensor(name);
      if (t.dtype !== 'I64') throw new SafetensorsError('INVALID_TENSOR', `${fn}: tensor "${name}" is ${t.dtype}, not I64`, { tensor: name });
      return { dtype: t.dtype, shape: t.shape, data: bigIntsToNumbers(t.data as BigInt64Array, name) };
    },
    close: async () => {
      await src.close?.();
    },
  };
}
