import { DTYPE_SIZE, type Dtype, isDtype } from './dtype';
import { argumentError, checkByteCount, SafetensorsError } from './errors';

/** Largest header this package accepts (the reference implementation's limit, 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Where one tensor lives in a file. */
export interface TensorInfo {
  /** The tensor's key in the header. */
  readonly name: string;
  readonly dtype: Dtype;
  /** Dimensions, row-major (C order); `[]` is a scalar. */
  readonly shape: readonly number[];
  /** Elements: the product of `shape` (1 for a scalar). */
  readonly size: number;
  /** Byte range within the data section, as in the header: [begin, end). */
  readonly dataOffsets: readonly [number, number];
  /** Absolute byte offset of the tensor's first byte in the file. */
  readonly byteOffset: number;
  /** Bytes: end - begin = dtype size x size. */
  readonly byteLength: number;
}

/** A parsed and validated header. */
export interface SafetensorsHeader {
  /** Bytes of JSON (including padding) after the 8-byte length. */
  readonly headerLength: number;
  /** Absolute offset of the data section (8 + headerLength). */
  readonly dataOffset: number;
  /** The `__metadata__` string map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Every tensor, in data order (by begin offset). */
  readonly tensors: readonly TensorInfo[];
}

/**
 * Reads the header length from the first 8 bytes (u64 little-endian) and checks it against the
 * limit and the file size.
 * @throws SafetensorsError `HEADER_TOO_SMALL`, `HEADER_TOO_LARGE`, `TRUNCATED`; `INVALID_ARGUMENT` when `prefix` is not a Uint8Array or `fileSize` not an integer >= 0.
 */
export function parseHeaderLength(fn: string, prefix: Uint8Array, fileSize: number): number {
  if (!(prefix instanceof Uint8Array)) throw argumentError(fn, 'the header prefix', 'a Uint8Array', prefix);
  checkByteCount(fn, 'the file size', fileSize);
  if (fileSize < 8 || prefix.length < 8) throw new SafetensorsError('HEADER_TOO_SMALL', `${fn}: the file has ${fileSize} bytes, fewer than the 8-byte header length`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo; // exact below 2^53, and anything that large is refused anyway
  if (n > MAX_HEADER_BYTES) throw new SafetensorsError('HEADER_TOO_LARGE', `${fn}: header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (n < 2) throw new SafetensorsError('INVALID_HEADER', `${fn}: header length ${n} is too short for a JSON object`);
  if (8 + n > fileSize) throw new SafetensorsError('TRUNCATED', `${fn}: header of ${n} bytes runs past the end of the ${fileSize}-byte file`);
  return n;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkShape(fn: string, name: string, shape: unknown): { shape: number[]; size: number } {
  if (!Array.isArray(shape)) throw new SafetensorsError('INVALID_HEADER', `${fn}: tensor "${name}" has no shape array`, { tensor: name });
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new SafetensorsError('INVALID_SHAPE', `${fn}: tensor "${name}" has dimension ${JSON.stringify(d)}; dimensions are non-negative integers`, { tensor: name });
    }
    size *= d;
    if (size > Number.MAX_SAFE_INTEGER) throw new SafetensorsError('INVALID_SHAPE', `${fn}: tensor "${name}" has more than 2^53 elements`, { tensor: name });
  }
  return { shape: shape as number[], size };
}

/**
 * Parses and validates the JSON header given its bytes and the file size. Rules (those of the
 * reference implementation): UTF-8 JSON object; `__metadata__`, when present, maps strings to
 * strings; every other key is a tensor with exactly `dtype`, `shape` and `data_offsets`; a known
 * dtype; integer shapes >= 0; offsets [begin, end] with begin <= end; sorted by begin, the tensors
 * tile the data section from 0 to its end with no gap or overlap; end - begin = dtype size x
 * prod(shape).
 * @throws SafetensorsError with the code of the first broken rule.
 */
export function parseHeader(fn: string, json: Uint8Array, fileSize: number): SafetensorsHeader {
  if (!(json instanceof Uint8Array)) throw argumentError(fn, 'the header bytes', 'a Uint8Array', json);
  checkByteCount(fn, 'the file size', fileSize);
  const headerLength = json.length;
  const dataOffset = 8 + headerLength;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch (cause) {
    throw new SafetensorsError('INVALID_UTF8', `${fn}: the header is not valid UTF-8`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new SafetensorsError('INVALID_JSON', `${fn}: the header is not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (!isPlainObject(parsed)) throw new SafetensorsError('INVALID_HEADER', `${fn}: the header is not a JSON object`);
  const metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (!isPlainObject(entry)) throw new SafetensorsError('INVALID_METADATA', `${fn}: __metadata__ is not an object`);
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw new SafetensorsError('INVALID_METADATA', `${fn}: __metadata__["${k}"] is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (!isPlainObject(entry)) throw new SafetensorsError('INVALID_HEADER', `${fn}: tensor "${name}" is not an object`, { tensor: name });
    for (const k of Object.keys(entry)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') {
        throw new SafetensorsError('INVALID_HEADER', `${fn}: tensor "${name}" has an unknown field "${k}"`, { tensor: name });
      }
    }
    const { dtype, data_offsets: offsets } = entry;
    if (!isDtype(dtype)) throw new SafetensorsError('UNKNOWN_DTYPE', `${fn}: tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`, { tensor: name });
    const { shape, size } = checkShape(fn, name, entry.shape);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw new SafetensorsError('INVALID_OFFSETS', `${fn}: tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] integers with 0 <= begin <= end`, { tensor: name });
    }
    const [begin, end] = offsets as [number, number];
    const byteLength = end - begin;
    if (byteLength !== size * DTYPE_SIZE[dtype]) {
      throw new SafetensorsError(
        'SIZE_MISMATCH',
        `${fn}: tensor "${name}" (${dtype} [${shape.join(', ')}]) needs ${size * DTYPE_SIZE[dtype]} bytes but data_offsets give ${byteLength}`,
        { tensor: name },
      );
    }
    tensors.push({ name, dtype, shape: Object.freeze([...shape]), size, dataOffsets: Object.freeze([begin, end] as [number, number]), byteOffset: dataOffset + begin, byteLength });
  }
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let cursor = 0;
  for (const t of tensors) {
    const [begin, end] = t.dataOffsets;
    if (begin < cursor) throw new SafetensorsError('OVERLAPPING', `${fn}: tensor "${t.name}" at [${begin}, ${end}) overlaps the tensor before it, which ends at ${cursor}`, { tensor: t.name });
    if (begin > cursor) {
      throw new SafetensorsError('INVALID_OFFSETS', `${fn}: tensor "${t.name}" starts at data byte ${begin} but the tensors before it end at ${cursor} (the data section has no gaps)`, { tensor: t.name });
    }
    cursor = end;
  }
  const dataLength = fileSize - dataOffset;
  if (cursor > dataLength) {
    throw new SafetensorsError('TRUNCATED', `${fn}: the header declares ${cursor} bytes of tensor data but the file has ${dataLength} after the header (truncated)`);
  }
  if (cursor < dataLength) {
    throw new SafetensorsError('TRAILING_BYTES', `${fn}: the tensors end at byte ${dataOffset + cursor} but the file has ${fileSize} bytes`);
  }
  return { headerLength, dataOffset, metadata: Object.freeze(metadata), tensors: Object.freeze(tensors) };
}
