import { DomainError } from './errors';
import { describe, MAX_ELEMENTS } from './limits';
import type { Matrix } from './matrix';

/** Serializable state of an {@link Rng}: four xoshiro128** words plus a cached normal deviate. */
export interface RngState {
  readonly s: [number, number, number, number];
  readonly spare: number | null;
}

/**
 * A seeded pseudo-random generator (xoshiro128**, period 2^128 - 1). The same seed gives the
 * same stream on every platform: it uses only 32-bit integer arithmetic and IEEE doubles.
 */
export interface Rng {
  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Uniform double in [lo, hi). */
  uniformIn(lo: number, hi: number): number;
  /** Standard normal deviate (Marsaglia polar method). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Raw 32-bit unsigned output. */
  nextU32(): number;
  /** Fills `out` with standard normals and returns it. */
  fillNormal<T extends Float64Array | Float32Array>(out: T, std?: number): T;
  /** Fills `out` with uniforms in [lo, hi) and returns it. */
  fillUniform<T extends Float64Array | Float32Array>(out: T, lo?: number, hi?: number): T;
  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(arr: T[] | Int32Array | Uint32Array | Float64Array): void;
  /** Snapshot of the state; `rng(state)` resumes the exact stream. */
  state(): RngState;
  /** A new independent generator derived from this one's next outputs. */
  split(): Rng;
}

function splitmix32(x: number): () => number {
  let a = x >>> 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function seedWords(seed: number): [number, number, number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new DomainError(`rng: seed must be a non-negative safe integer, got ${describe(seed)}`);
  }
  // Mix both the low 32 bits and the rest so seeds above 2^32 differ.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  const sm = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d));
  const s: [number, number, number, number] = [sm(), sm(), sm(), sm()];
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s;
}

/**
 * Creates a generator from an integer seed, or resumes one from a {@link RngState}.
 * @example const r = rng(42); r.normal();
 */
export function rng(seed: number | RngState = 0): Rng {
  let s0: number;
  let s1: number;
  let s2: number;
  let s3: number;
  let spare: number | null = null;
  if (typeof seed === 'number') {
    [s0, s1, s2, s3] = seedWords(seed);
  } else {
    if (seed === null || typeof seed !== 'object') {
      throw new DomainError(`rng: seed must be a non-negative safe integer or a state from state(), got ${describe(seed)}`);
    }
    const w = seed?.s;
    if (!Array.isArray(w) || w.length !== 4 || w.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff) || w.every((v) => v === 0)) {
      throw new DomainError('rng: state must be { s: [u32, u32, u32, u32] (not all 0), spare } as returned by state()');
    }
    const sp = seed.spare ?? null;
    if (sp !== null && (typeof sp !== 'number' || !Number.isFinite(sp))) {
      throw new DomainError(`rng: state.spare must be null or a finite number, got ${String(sp)}`);
    }
    [s0, s1, s2, s3] = w.map((v) => v >>> 0) as [number, number, number, number];
    spare = sp;
  }

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const uniform = (): number => {
    const a = nextU32() >>> 5; // 27 bits
    const b = nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  };
  const normal = (): number => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let u: number;
    let v: number;
    let q: number;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    spare = v * f;
    return u * f;
  };
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0) throw new DomainError(`rng.int: n must be a positive integer, got ${n}`);
    if (n <= 4294967296) {
      // Rejection sampling: no modulo bias.
      const limit = 4294967296 - (4294967296 % n);
      let x: number;
      do x = nextU32();
      while (x >= limit);
      return x % n;
    }
    return Math.floor(uniform() * n);
  };
  const self: Rng = {
    uniform,
    uniformIn: (lo, hi) => lo + (hi - lo) * uniform(),
    normal,
    int,
    nextU32,
    fillNormal(out, std = 1) {
      for (let i = 0; i < out.length; i++) out[i] = std * normal();
      return out;
    },
    fillUniform(out, lo = 0, hi = 1) {
      const w = hi - lo;
      for (let i = 0; i < out.length; i++) out[i] = lo + w * uniform();
      return out;
    },
    shuffle(arr) {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const t = arr[i]!;
        arr[i] = arr[j]!;
        arr[j] = t;
      }
    },
    state: () => ({ s: [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0], spare }),
    split: () => rng({ s: [nextU32(), nextU32(), nextU32(), (nextU32() | 1) >>> 0], spare: null }),
  };
  return self;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A rows x cols float64 matrix of independent standard normals drawn from `rng(seed)` (or a given Rng). */
export function randn(rows: number, cols: number, seed: number | Rng = 0, std = 1): Matrix<Float64Array> {
  const r = rngOf('randn', seed);
  const n = shapeSize('randn', rows, cols);
  if (typeof std !== 'number' || !Number.isFinite(std)) throw new DomainError(`randn: std must be a finite number, got ${describe(std)}`);
  return { rows, cols, data: r.fillNormal(new Float64Array(n), std) };
}

/** A rows x cols float64 matrix of independent uniforms in [lo, hi). */
export function randu(rows: number, cols: number, seed: number | Rng = 0, lo = 0, hi = 1): Matrix<Float64Array> {
  const r = rngOf('randu', seed);
  const n = shapeSize('randu', rows, cols);
  if (typeof lo !== 'number' || typeof hi !== 'number' || !Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(hi - lo)) {
    throw new DomainError(`randu: lo and hi must be finite numbers, got ${describe(lo)} and ${describe(hi)}`);
  }
  return { rows, cols, data: r.fillUniform(new Float64Array(n), lo, hi) };
}

const RNG_METHODS = ['uniform', 'uniformIn', 'normal', 'int', 'nextU32', 'fillNormal', 'fillUniform', 'shuffle', 'state', 'split'] as const;

/** True when `x` looks like an {@link Rng} (has every method of the interface). */
export function isRng(x: unknown): x is Rng {
  if (x === null || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  // Every method of the interface: a look-alike missing one fails here, not deep inside a caller.
  for (const m of RNG_METHODS) if (typeof r[m] !== 'function') return false;
  return true;
}

/** A generator from a seed (a non-negative safe integer) or an {@link Rng}; a DomainError naming `fn` otherwise. */
export function rngOf(fn: string, seed: unknown, name = 'seed'): Rng {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new DomainError(`${fn}: ${name} must be a non-negative safe integer, got ${describe(seed)}`);
    }
    return rng(seed);
  }
  if (isRng(seed)) return seed;
  throw new DomainError(`${fn}: ${name} must be a non-negative safe integer or an Rng, got ${describe(seed)}`);
}

function shapeSize(fn: string, rows: unknown, cols: unknown): number {
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!ok(rows) || !ok(cols)) throw new DomainError(`${fn}: shape must be non-negative integers, got ${describe(rows)}x${describe(cols)}`);
  const n = rows * cols;
  if (n > MAX_ELEMENTS) throw new DomainError(`${fn}: a ${rows}x${cols} matrix has ${n} elements, more than the maximum ${MAX_ELEMENTS} (2^28)`);
  return n;
}
