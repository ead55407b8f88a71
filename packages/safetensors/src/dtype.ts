import { argumentError, describeValue, SafetensorsError } from './errors';

/** The element types this package reads and writes (safetensors' names). */
export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<Dtype, number>> = Object.freeze({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
});

/** True when `s` is a dtype this package knows. */
export function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && Object.hasOwn(DTYPE_SIZE, s);
}

/** The typed array each dtype decodes to without conversion (F16/BF16 keep their raw bits). */
export type NativeArray = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte group in place (big-endian hosts only; safetensors is little-endian). */
function swapInPlace(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let j = 0, k = size - 1; j < k; j++, k--) {
      const t = b[i + j]!;
      b[i + j] = b[i + k]!;
      b[i + k] = t;
    }
  }
}

/** A copy of `bytes` in host byte order on a fresh, aligned buffer. */
function hostBuffer(bytes: Uint8Array, size: number): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (!LITTLE_ENDIAN && size > 1) swapInPlace(copy, size);
  return copy.buffer;
}

/** Little-endian bytes of a typed array (a copy on big-endian hosts, a view otherwise). */
export function littleEndianBytes(a: NativeArray, size: number): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN || size === 1) return view;
  const copy = view.slice();
  swapInPlace(copy, size);
  return copy;
}

/** Reinterprets little-endian tensor bytes as the dtype's native typed array (a copy). */
export function decodeNative(dtype: Dtype, bytes: Uint8Array): NativeArray {
  const size = DTYPE_SIZE[dtype];
  const buf = hostBuffer(bytes, size);
  switch (dtype) {
    case 'F64':
      return new Float64Array(buf);
    case 'F32':
      return new Float32Array(buf);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf);
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buf);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Throws `INVALID_ARGUMENT` unless `h` is a 16-bit pattern: an integer in [0, 65535]. */
function checkBits(fn: string, h: unknown): number {
  if (typeof h !== 'number' || !Number.isInteger(h) || h < 0 || h > 0xffff) throw argumentError(fn, 'the bits', 'an integer in [0, 65535]', h);
  return h;
}

/**
 * IEEE binary16 bits to a number (exact).
 * @throws SafetensorsError `INVALID_ARGUMENT` unless `h` is an integer in [0, 65535].
 */
export function f16ToNumber(h: number): number {
  return f16Bits(checkBits('f16ToNumber', h));
}

/**
 * bfloat16 bits to a number (exact: the top half of an f32).
 * @throws SafetensorsError `INVALID_ARGUMENT` unless `h` is an integer in [0, 65535].
 */
export function bf16ToNumber(h: number): number {
  return bf16Bits(checkBits('bf16ToNumber', h));
}

/** {@link f16ToNumber} without the check (for decoding loops over a Uint16Array). */
function f16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** {@link bf16ToNumber} without the check. */
function bf16Bits(h: number): number {
  u32[0] = h << 16;
  return f32[0]!;
}

const f64 = new Float64Array(1);
const w32 = new Uint32Array(f64.buffer);
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/**
 * Rounds a number to a binary format with `m` fraction bits, exponent bias `bias` and
 * `expBits` exponent bits, to nearest with ties to even, straight from float64 (no double
 * rounding through float32). Overflow goes to infinity, tiny values to subnormals or zero,
 * the sign of zero is kept, NaN becomes the quiet NaN with the input's sign.
 */
function roundToSmallFloat(v: number, m: number, bias: number, expBits: number): number {
  f64[0] = v;
  const hi = w32[HI]!;
  const lo = w32[LO]!;
  const sign = (hi >>> 31) << (m + expBits);
  const infBits = ((1 << expBits) - 1) << m;
  if (Number.isNaN(v)) return sign | infBits | (1 << (m - 1));
  const a = Math.abs(v);
  if (a === Number.POSITIVE_INFINITY) return sign | infBits;
  const emin = 1 - bias;
  if (a < 2 ** emin) {
    // Subnormal (or zero): count units of 2^(emin - m); the scaling is exact in float64.
    const q = a * 2 ** (m - emin);
    let n = Math.floor(q);
    const rest = q - n;
    if (rest > 0.5 || (rest === 0.5 && n % 2 === 1)) n++;
    return sign | n; // n = 2^m lands on the smallest normal's bits, as it should
  }
  const e = ((hi >>> 20) & 0x7ff) - 1023;
  if (e > bias) return sign | infBits;
  // Keep the top m of float64's 52 fraction bits; the dropped ones are (hi's low bits, lo).
  const dropHi = 52 - m - 32; // fraction bits dropped from the high word (10 for F16, 13 for BF16)
  const frac = hi & 0xfffff;
  const keep = frac >>> dropHi;
  const restHi = frac & ((1 << dropHi) - 1);
  const half = 1 << (dropHi - 1);
  const up = restHi > half || (restHi === half && (lo !== 0 || (keep & 1) === 1)) ? 1 : 0;
  // A carry out of the fraction bumps the exponent, and past the top exponent gives infinity.
  const bits = (((e + bias) << m) | keep) + up;
  return sign | Math.min(bits, infBits);
}

/** A number to IEEE binary16 bits, round to nearest even (NaN, infinities, subnormals exact). */
export function numberToF16(v: number): number {
  return roundToSmallFloat(v, 10, 15, 5);
}

/** A number to bfloat16 bits, round to nearest even (NaN, infinities, subnormals exact). */
export function numberToBf16(v: number): number {
  return roundToSmallFloat(v, 7, 127, 8);
}

/** The native array class of each dtype (what a reader decodes it to). */
const NATIVE: Readonly<Record<Dtype, { readonly name: string; prototype: unknown }>> = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
};

/** Throws unless `dtype` is known (`UNKNOWN_DTYPE`) and `data` is its native array (`INVALID_ARGUMENT`). */
function checkNative(fn: string, dtype: unknown, data: unknown): void {
  if (!isDtype(dtype)) throw new SafetensorsError('UNKNOWN_DTYPE', `${fn}: unknown dtype ${describeValue(dtype)}`);
  const C = NATIVE[dtype];
  if (!(data instanceof (C as unknown as typeof Uint8Array))) throw argumentError(fn, `${dtype} data`, `a ${C.name}`, data);
}

/**
 * Decodes numeric tensor data to float64 (I64 through a checked conversion).
 * @throws SafetensorsError `UNKNOWN_DTYPE`, `INVALID_ARGUMENT` (data that is not the dtype's native array), `OUT_OF_RANGE` (I64).
 */
export function toFloat64(dtype: Dtype, data: NativeArray, name = ''): Float64Array {
  checkNative('toFloat64', dtype, data);
  return decodeFloat64(dtype, data, name);
}

function decodeFloat64(dtype: Dtype, data: NativeArray, name: string): Float64Array {
  if (dtype === 'I64') return bigIntsToNumbers(data as BigInt64Array, name);
  const n = data.length;
  const out = new Float64Array(n);
  const src = data as Exclude<NativeArray, BigInt64Array>;
  if (dtype === 'F16') for (let i = 0; i < n; i++) out[i] = f16Bits(src[i]!);
  else if (dtype === 'BF16') for (let i = 0; i < n; i++) out[i] = bf16Bits(src[i]!);
  else out.set(src);
  return out;
}

/**
 * Decodes numeric tensor data to float32 (F64 and large integers round to nearest).
 * @throws as {@link toFloat64}.
 */
export function toFloat32(dtype: Dtype, data: NativeArray, name = ''): Float32Array {
  checkNative('toFloat32', dtype, data);
  if (dtype === 'F32') return data as Float32Array;
  if (dtype === 'BF16') {
    // The bf16 bits are the top half of the f32 bits: widen in one integer pass.
    const src = data as Uint16Array;
    const bits = new Uint32Array(src.length);
    for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
    return new Float32Array(bits.buffer);
  }
  return Float32Array.from(decodeFloat64(dtype, data, name));
}

/**
 * BigInt64 values to numbers, refusing any value outside ±(2^53 - 1) (not exactly representable).
 * @throws SafetensorsError `OUT_OF_RANGE`; `INVALID_ARGUMENT` unless `data` is a BigInt64Array.
 */
export function bigIntsToNumbers(data: BigInt64Array, name = ''): Float64Array {
  if (!(data instanceof BigInt64Array)) throw argumentError('bigIntsToNumbers', 'data', 'a BigInt64Array', data);
  const out = new Float64Array(data.length);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v > max || v < -max) {
      throw new SafetensorsError('OUT_OF_RANGE', `bigIntsToNumbers: ${name ? `tensor "${name}" ` : ''}element ${i} = ${v} is not a safe integer`, {
        tensor: name || undefined,
      });
    }
    out[i] = Number(v);
  }
  return out;
}
