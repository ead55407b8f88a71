import { type Matrix, rng, zeros } from '@x/gpu';
import type { LoraAdapter } from './pissa';
import { checkInt } from '@x/gpu/checks';
import { checkOpts, checkPositive, checkRank, checkWeight, optBoolean, optSeed } from './validate';

/** Options of a LoRA adapter: alpha, rsLoRA scaling, seed. */
export interface LoraOptions {
  /** LoRA alpha (default r). */
  alpha?: number;
  /** rsLoRA: scale = alpha / sqrt(r) instead of alpha / r (Kalajdzievski, 2023). */
  rslora?: boolean;
  seed?: number;
}

/** The LoRA scaling factor: α/r, or α/√r with rsLoRA. */
export function loraScale(r: number, alpha = r, rslora = false): number {
  const fn = 'loraScale';
  checkInt(fn, 'r', r, 1);
  checkPositive(fn, 'alpha', alpha);
  optBoolean(fn, 'rslora', rslora, false);
  return rslora ? alpha / Math.sqrt(r) : alpha / r;
}

/**
 * Standard LoRA init (Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models", 2021;
 * peft's default): A (r x in) Kaiming-uniform with a = √5, i.e. U(-1/√in, 1/√in); B (out x r)
 * zero, so W + s B A = W at init. W is only read for its shape and checked for finiteness.
 */
export function loraInit(W: Matrix, r: number, opts: LoraOptions = {}): LoraAdapter {
  const fn = 'loraInit';
  checkWeight(fn, 'W', W);
  checkRank(fn, r, W.rows, W.cols);
  checkOpts(fn, opts, ['alpha', 'rslora', 'seed']);
  const alpha = checkPositive(fn, 'alpha', opts.alpha ?? r);
  const rslora = optBoolean(fn, 'rslora', opts.rslora, false);
  const bound = 1 / Math.sqrt(W.cols);
  const A = { rows: r, cols: W.cols, data: rng(optSeed(fn, 'seed', opts.seed, 0)).fillUniform(new Float64Array(r * W.cols), -bound, bound) };
  return { A, B: zeros(W.rows, r) as Matrix<Float64Array>, scale: loraScale(r, alpha, rslora) };
}
