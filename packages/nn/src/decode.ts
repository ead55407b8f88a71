import type { Matrix } from '@x/gpu';

/**
 * A sequence layer that can continue one sequence from a saved state (incremental decoding,
 * the `past_key_values` of Hugging Face models): {@link MultiHeadAttention} keeps its rotated
 * keys and values, `@x/ssm`'s DeltaProductMixer its recurrent state and short-convolution
 * window. `decode(x, s)` on the next `x.rows` rows of a sequence returns the same rows as the
 * full causal `forward` on the whole sequence would (up to rounding).
 *
 * States are values: `decode` returns a new state and leaves the one passed in valid and
 * unchanged (so one prefix can be continued twice, and a call that throws changes nothing).
 */
export interface Decodable<S = unknown> {
  /** The state of an empty sequence. */
  initDecode(): S;
  /**
   * Runs the rows of `x` (the next x.rows tokens of one sequence, in order) after the tokens
   * `state` has seen; returns their outputs and the state after them.
   */
  decode(x: Matrix, state: S): { y: Matrix; state: S };
}

/** Whether `m` implements {@link Decodable}. */
export function canDecode(m: unknown): m is Decodable {
  return m !== null && typeof m === 'object' && typeof (m as Decodable).initDecode === 'function' && typeof (m as Decodable).decode === 'function';
}
