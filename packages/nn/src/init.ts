import { DomainError, type Rng } from '@x/gpu';
import { checkAlloc, checkOptions, checkRng, checkSize } from '@x/gpu/checks';

/**
 * Weight initialisation schemes for a fan_in -> fan_out layer (weight is fan_out x fan_in).
 *
 * - `xavier-uniform` / `glorot-uniform`: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))
 *   (Glorot & Bengio 2010, eq. 16).
 * - `xavier-normal` / `glorot-normal`: N(0, s^2), s = gain * sqrt(2 / (fan_in + fan_out)).
 * - `kaiming-uniform` / `he-uniform`: U(-b, b), b = gain * sqrt(3 / fan_in), gain = sqrt(2)
 *   by default (He et al. 2015, eq. 10, for ReLU).
 * - `kaiming-normal` / `he-normal`: N(0, s^2), s = gain / sqrt(fan_in), gain = sqrt(2) by default.
 * - `lecun-uniform`: U(-b, b), b = gain * sqrt(3 / fan_in); `lecun-normal`: s = gain / sqrt(fan_in)
 *   (LeCun et al. 1998, "Efficient BackProp"), gain = 1 by default.
 * - `{ uniform: b }`: U(-b, b), e.g. SIREN's sqrt(6 / fan_in) / omega0 (Sitzmann et al. 2020, 3.2).
 * - `{ normal: s }`: N(0, s^2).
 */
export type InitScheme =
  | 'xavier-uniform'
  | 'xavier-normal'
  | 'glorot-uniform'
  | 'glorot-normal'
  | 'kaiming-uniform'
  | 'kaiming-normal'
  | 'he-uniform'
  | 'he-normal'
  | 'lecun-uniform'
  | 'lecun-normal'
  | { readonly uniform: number }
  | { readonly normal: number };

/** Bias initialisation: zeros, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's default), or U(-b, b). */
export type BiasInit = 'zeros' | 'fan-in-uniform' | { readonly uniform: number };

/** Initialization options shared by the layers: the `gain` of the weight initialization. */
export interface InitOptions {
  /** Multiplies the scheme's bound/std; defaults: sqrt(2) for kaiming/he, 1 otherwise. */
  gain?: number;
}

/** Uniform bound or normal std for a scheme, as `{ kind, scale }`. */
export function initScale(
  scheme: InitScheme,
  fanIn: number,
  fanOut: number,
  opts: InitOptions = {},
): { kind: 'uniform' | 'normal'; scale: number } {
  return scaleOf('initScale', scheme, fanIn, fanOut, opts);
}

/** {@link initScale} with errors naming `fn`, the function the user called. */
function scaleOf(fn: string, scheme: InitScheme, fanIn: number, fanOut: number, opts: InitOptions): { kind: 'uniform' | 'normal'; scale: number } {
  checkOptions(fn, opts, ['gain']);
  checkSize(fn, 'fanIn', fanIn);
  checkSize(fn, 'fanOut', fanOut);
  if (typeof scheme === 'object' && scheme !== null) {
    if ('uniform' in scheme) return { kind: 'uniform', scale: checkScale('uniform bound', scheme.uniform) };
    if ('normal' in scheme) return { kind: 'normal', scale: checkScale('normal std', scheme.normal) };
  }
  const kaiming = scheme === 'kaiming-uniform' || scheme === 'kaiming-normal' || scheme === 'he-uniform' || scheme === 'he-normal';
  const gain = opts.gain ?? (kaiming ? Math.SQRT2 : 1);
  checkScale('gain', gain);
  const fi = Math.max(fanIn, 1);
  const fsum = Math.max(fanIn + fanOut, 1);
  switch (scheme) {
    case 'xavier-uniform':
    case 'glorot-uniform':
      return { kind: 'uniform', scale: gain * Math.sqrt(6 / fsum) };
    case 'xavier-normal':
    case 'glorot-normal':
      return { kind: 'normal', scale: gain * Math.sqrt(2 / fsum) };
    case 'kaiming-uniform':
    case 'he-uniform':
    case 'lecun-uniform':
      return { kind: 'uniform', scale: gain * Math.sqrt(3 / fi) };
    case 'kaiming-normal':
    case 'he-normal':
    case 'lecun-normal':
      return { kind: 'normal', scale: gain / Math.sqrt(fi) };
    default:
      throw new DomainError(`init: unknown scheme ${JSON.stringify(scheme)}`);
  }
}

function checkScale(what: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new DomainError(`init: ${what} must be a finite number >= 0, got ${v}`);
  }
  return v;
}

/**
 * A fresh fanOut x fanIn weight (row-major Float64Array) drawn with `scheme` from `seed`
 * (a number or an `Rng` from @x/gpu, advanced in place). O(fanIn * fanOut).
 */
export function initWeight(
  fanOut: number,
  fanIn: number,
  scheme: InitScheme,
  seed: number | Rng = 0,
  opts: InitOptions = {},
): Float64Array {
  const { kind, scale } = scaleOf('initWeight', scheme, fanIn, fanOut, opts);
  const r = checkRng('initWeight', 'seed', seed);
  const w = new Float64Array(checkAlloc('initWeight', 'the weight', fanOut, fanIn));
  return kind === 'uniform' ? r.fillUniform(w, -scale, scale) : r.fillNormal(w, scale);
}

/** A fresh bias vector of length n for a layer with the given fan-in. */
export function initBias(n: number, fanIn: number, init: BiasInit, seed: number | Rng = 0): Float64Array {
  const b = new Float64Array(checkSize('initBias', 'n', n));
  checkSize('initBias', 'fanIn', fanIn);
  const r = checkRng('initBias', 'seed', seed);
  if (init === 'zeros') return b;
  let bound: number;
  if (init === 'fan-in-uniform') bound = 1 / Math.sqrt(Math.max(fanIn, 1));
  else if (typeof init === 'object' && init !== null && 'uniform' in init) bound = checkScale('bias bound', init.uniform);
  else throw new DomainError(`init: unknown bias init ${JSON.stringify(init)}`);
  return r.fillUniform(b, -bound, bound);
}
