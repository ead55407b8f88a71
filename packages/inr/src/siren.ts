import { type Device, DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { checkAlloc, checkFinite, checkInt, checkMatrix, checkNonNegative, checkOptions, checkPositive, checkRng, checkSize, checkVector, describe } from '@x/gpu/checks';
import { Linear, Sequential, Sine } from '@x/nn';
import { spectralCentroid, spectralCentroid2d, winnerScales } from './spectral';

/** Options of {@link sirenInit}. */
export interface SirenInitOptions {
  /** ω0 of the hidden sine layers (default 30). */
  omega0?: number;
  /** ω of the first sine layer (default omega0; the audio baseline uses 3000). */
  firstOmega0?: number;
  seed?: number;
}

/** SIREN parameters as {@link sirenInit} and {@link winnerInit} return them. */
export interface SirenParams {
  /** weights[l] is fan_out x fan_in. */
  weights: Matrix<Float64Array>[];
  biases: Float64Array[];
  /** ω of each sine layer (length layers - 2; the last layer is linear). */
  omegas: number[];
}

function checkLayers(fn: string, layers: readonly number[]): void {
  if (!Array.isArray(layers) || layers.length < 3) {
    throw new DomainError(`${fn}: layers must list at least 3 positive integer widths [in, hidden..., out], got ${describe(layers)}`);
  }
  for (let l = 0; l < layers.length; l++) checkSize(fn, `layers[${l}]`, layers[l], 1);
  for (let l = 0; l + 1 < layers.length; l++) checkAlloc(fn, `weights[${l}]`, layers[l]!, layers[l + 1]!);
}

/**
 * SIREN init (Sitzmann et al., "Implicit Neural Representations with Periodic Activation
 * Functions", 2020; the reference code's `first_layer_sine_init`/`sine_init`): W_1 ~ U(±1/n_in);
 * every later weight, the linear output layer included, ~ U(±√(6/n)/ω0) with n the fan-in;
 * biases keep PyTorch's default U(±1/√fan_in) (so U(-1, 1) for a 1-D input). The code's
 * first-layer rule (1/n) differs from the paper's text; the code is followed (siren#4).
 */
export function sirenInit(layers: readonly number[], opts: SirenInitOptions = {}): SirenParams {
  checkOptions('sirenInit', opts, ['omega0', 'firstOmega0', 'seed']);
  return sirenParams('sirenInit', layers, opts);
}

/** {@link sirenInit} with `fn` naming the caller; the option keys are checked by the caller. */
function sirenParams(fn: string, layers: readonly number[], opts: SirenInitOptions): SirenParams {
  checkLayers(fn, layers);
  const omega0 = checkPositive(fn, 'omega0', opts.omega0 ?? 30);
  const first = checkPositive(fn, 'firstOmega0', opts.firstOmega0 ?? omega0);
  const g = checkRng(fn, 'seed', opts.seed ?? 0);
  const weights: Matrix<Float64Array>[] = [];
  const biases: Float64Array[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const nIn = layers[l]!;
    const nOut = layers[l + 1]!;
    const bound = l === 0 ? 1 / nIn : Math.sqrt(6 / nIn) / omega0;
    weights.push({ rows: nOut, cols: nIn, data: g.fillUniform(new Float64Array(nOut * nIn), -bound, bound) });
    const bb = 1 / Math.sqrt(nIn);
    biases.push(g.fillUniform(new Float64Array(nOut), -bb, bb));
  }
  const omegas = Array.from({ length: layers.length - 2 }, (_, l) => (l === 0 ? first : omega0));
  return { weights, biases, omegas };
}

/** Options of {@link winnerInit}. */
export interface WinnerInitOptions extends SirenInitOptions {
  /** Override the schedule's noise scales (needed for 3-D targets). */
  s0?: number;
  s1?: number;
  /**
   * For an image target: its shape (`target` row-major rows x cols x channels, channels
   * interleaved). The centroid is then {@link spectralCentroid2d} and the image schedule is used.
   */
  image?: { rows: number; cols: number; channels?: number };
}

/**
 * WINNER init ("Spectral Bottleneck in Deep Neural Networks: Noise is All You Need", SIREN²
 * reference code): SIREN's init, then Gaussian noise on the weights of layers 1 and 2 only,
 * W_1 += N(0, (s0/ω0)²), W_2 += N(0, (s1/ω0)²), both divided by the hidden ω0, with (s0, s1)
 * from the target's spectral centroid ({@link winnerScales}; audio schedule for a 1-D target,
 * image schedule with `image`). Biases and later layers unchanged. `s0`/`s1` override the
 * schedule (3-D targets have none). O(N log N) for the centroid plus O(#weights).
 */
export function winnerInit(layers: readonly number[], target: ArrayLike<number>, opts: WinnerInitOptions = {}): SirenParams & { s0: number; s1: number } {
  const fn = 'winnerInit';
  checkOptions(fn, opts, ['omega0', 'firstOmega0', 'seed', 's0', 's1', 'image']);
  const p = sirenParams(fn, layers, opts);
  checkVector(fn, 'target', target);
  const omega0 = opts.omega0 ?? 30;
  let s0 = opts.s0 === undefined ? undefined : checkNonNegative(fn, 's0', opts.s0);
  let s1 = opts.s1 === undefined ? undefined : checkNonNegative(fn, 's1', opts.s1);
  if (s0 === undefined || s1 === undefined) {
    const im = opts.image;
    if (im !== undefined && (im === null || typeof im !== 'object')) throw new DomainError(`${fn}: image must be { rows, cols, channels? }, got ${describe(im)}`);
    const sc = im
      ? winnerScales(spectralCentroid2d(target, im.rows, im.cols, im.channels ?? 1), 2, im.channels ?? 1)
      : winnerScales(spectralCentroid(target), 1);
    s0 ??= sc.s0;
    s1 ??= sc.s1;
  }
  // A separate stream, so WINNER with zero noise equals SIREN exactly.
  const g = rng((opts.seed ?? 0) + 0x9e3779b9);
  const w1 = p.weights[0]!.data;
  for (let i = 0; i < w1.length; i++) w1[i]! += (s0 / omega0) * g.normal();
  if (p.weights.length > 2) {
    const w2 = p.weights[1]!.data;
    for (let i = 0; i < w2.length; i++) w2[i]! += (s1 / omega0) * g.normal();
  }
  return { ...p, s0, s1 };
}

/** Options of {@link sirenModel}. */
export interface SirenModelOptions {
  /**
   * An @x/gpu device (gpu.js, wasm, js) for the products of `forwardAsync`/`backwardAsync`: the
   * forward pass over many coordinates then runs as device kernels. Sync calls stay on the CPU.
   */
  device?: Device;
  /** Smallest batch * in * out sent to the device (default @x/nn's 64³). */
  deviceThreshold?: number;
}

/**
 * A trainable SIREN (Sitzmann et al. 2020, eq. 1: h_l = sin(ω_l (W_l h_{l-1} + b_l)), linear
 * output) from init params: an @x/nn Sequential of Linear + Sine layers. O(batch Σ n_l n_{l+1}).
 */
export function sirenModel(p: SirenParams, opts: SirenModelOptions = {}): Sequential {
  const fn = 'sirenModel';
  if (p === null || typeof p !== 'object' || !Array.isArray(p.weights) || !Array.isArray(p.biases) || !Array.isArray(p.omegas)) {
    throw new DomainError(`${fn}: p must be SirenParams { weights, biases, omegas }, got ${describe(p)}`);
  }
  if (p.weights.length === 0 || p.biases.length !== p.weights.length || p.omegas.length >= p.weights.length + 1) {
    throw new ShapeError(`${fn}: ${p.weights.length} weights, ${p.biases.length} biases and ${p.omegas.length} omegas do not describe one network`);
  }
  p.weights.forEach((W, l) => {
    checkMatrix(fn, `weights[${l}]`, W);
    checkFinite(fn, `weights[${l}]`, W, 'weights must be finite');
    checkVector(fn, `biases[${l}]`, p.biases[l], W.rows);
  });
  for (let l = 0; l < p.omegas.length; l++) checkPositive(fn, `omegas[${l}]`, p.omegas[l]);
  checkOptions(fn, opts, ['device', 'deviceThreshold']);
  if (opts.deviceThreshold !== undefined) checkInt(fn, 'deviceThreshold', opts.deviceThreshold);
  const layers = [];
  const dev = opts.device ? { device: opts.device, ...(opts.deviceThreshold === undefined ? {} : { deviceThreshold: opts.deviceThreshold }) } : {};
  for (let l = 0; l < p.weights.length; l++) {
    const W = p.weights[l]!;
    layers.push(new Linear(W.cols, W.rows, { weight: W, bias: p.biases[l]!, name: `siren.${l}`, ...dev }));
    if (l < p.omegas.length) layers.push(new Sine({ omega0: p.omegas[l]! }));
  }
  return new Sequential(layers);
}
