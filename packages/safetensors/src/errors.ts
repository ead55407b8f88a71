/**
 * Why a safetensors file or a tensor was refused. Stable strings, safe to switch on.
 * - `HEADER_TOO_SMALL`: fewer than 8 bytes, so no header length.
 * - `HEADER_TOO_LARGE`: the declared header length is over {@link MAX_HEADER_BYTES}.
 * - `TRUNCATED`: the file ends before the header or before the end of the tensor data it declares.
 * - `INVALID_UTF8`, `INVALID_JSON`: the header bytes are not UTF-8, or not JSON.
 * - `INVALID_HEADER`: the JSON is not an object of tensor entries (missing/extra fields, wrong types).
 * - `INVALID_METADATA`: `__metadata__` is not an object of string values.
 * - `UNKNOWN_DTYPE`: a dtype this reader does not know.
 * - `INVALID_SHAPE`: a dimension that is negative, fractional or too large.
 * - `INVALID_OFFSETS`: `data_offsets` not two integers with begin <= end, or a gap before a tensor (out-of-range offsets show up so: the format's data is contiguous).
 * - `OVERLAPPING`: two tensors share bytes.
 * - `SIZE_MISMATCH`: a tensor's byte range does not hold dtype size x prod(shape) bytes.
 * - `TRAILING_BYTES`: bytes after the last tensor (the format has none).
 * - `NOT_FOUND`: no tensor of that name.
 * - `INVALID_TENSOR`: a tensor given to the writer does not match its dtype or shape.
 * - `OUT_OF_RANGE`: an I64 value that is not a safe JavaScript integer, or a value the dtype cannot hold.
 * - `INVALID_SOURCE`: the source is not bytes, a Blob or (Node) a path.
 * - `INVALID_ARGUMENT`: an argument of the wrong kind (a string where bytes, a size or an object belong; a non-string path; a 16-bit pattern outside [0, 65535]).
 * - `IO`: the underlying read failed.
 */
export type SafetensorsErrorCode =
  | 'HEADER_TOO_SMALL'
  | 'HEADER_TOO_LARGE'
  | 'TRUNCATED'
  | 'INVALID_UTF8'
  | 'INVALID_JSON'
  | 'INVALID_HEADER'
  | 'INVALID_METADATA'
  | 'UNKNOWN_DTYPE'
  | 'INVALID_SHAPE'
  | 'INVALID_OFFSETS'
  | 'OVERLAPPING'
  | 'SIZE_MISMATCH'
  | 'TRAILING_BYTES'
  | 'NOT_FOUND'
  | 'INVALID_TENSOR'
  | 'OUT_OF_RANGE'
  | 'INVALID_SOURCE'
  | 'INVALID_ARGUMENT'
  | 'IO';

/**
 * The one error type of @x/safetensors: every malformed file, unknown tensor or unencodable
 * value is reported as a `SafetensorsError` whose `code` says which rule was broken and whose
 * message names the function called and, where there is one, the tensor.
 */
export class SafetensorsError extends Error {
  /** Which rule was broken (see {@link SafetensorsErrorCode}). */
  readonly code: SafetensorsErrorCode;
  /** The tensor concerned, when there is one. */
  readonly tensor: string | undefined;

  constructor(code: SafetensorsErrorCode, message: string, opts: { tensor?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SafetensorsError';
    this.code = code;
    this.tensor = opts.tensor;
  }
}

/** A short rendering of a value for a message (bounded; strings quoted). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v == null) return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return Object.prototype.toString.call(v);
}

/** True for a non-null object that is not an array (a record of tensors or metadata). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** A SafetensorsError `INVALID_ARGUMENT`: `${fn}: ${name} must be ${what}, got ...`. */
export function argumentError(fn: string, name: string, what: string, v: unknown): SafetensorsError {
  return new SafetensorsError('INVALID_ARGUMENT', `${fn}: ${name} must be ${what}, got ${describeValue(v)}`);
}

/** Throws `INVALID_ARGUMENT` unless `v` is a safe integer >= 0 (a byte count). Returns it. */
export function checkByteCount(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw argumentError(fn, name, 'an integer >= 0', v);
  return v;
}
