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
