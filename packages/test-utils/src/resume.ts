/**
 * The save → JSON → restore → continue check every class with state is held to: training (or
 * streaming) that is interrupted, saved through JSON text and restored must continue exactly as
 * if it had never stopped.
 */
import { bitEqual } from './norms';

/** What {@link resumeCheck} needs to drive one trainable thing (a model with its optimizer, an estimator). */
export interface ResumeCase<S> {
  /** A fresh instance (deterministic: the same every call). */
  make: () => S;
  /** Step `t` of training (deterministic in `t`: the same batch for the same `t`). */
  step: (s: S, t: number) => void;
  /** Everything that carries state, as JSON-safe values (the `toJSON()` of each part). */
  save: (s: S) => unknown;
  /** The inverse of `save`, from the parsed JSON text (the `fromJSON` of each part). */
  restore: (json: unknown) => S;
  /** What must come out bit-identical: parameters, outputs, anything else observable. */
  observe: (s: S) => ArrayLike<number>;
}

/** The outcome of {@link resumeCheck}; all three are true when the class resumes exactly. */
export interface ResumeResult {
  /** Saving the restored instance gives the same JSON text again. */
  resaved: boolean;
  /** The restored instance observes bit-identically to the original right after restoring. */
  restored: boolean;
  /** After `more` further steps on both, they still observe bit-identically (`Object.is` per entry). */
  continued: boolean;
}

/**
 * Runs `cut` steps, saves through `JSON.stringify`/`JSON.parse`, restores, then runs steps
 * `cut` .. `cut + more - 1` on the original and on the copy, comparing bitwise.
 */
export function resumeCheck<S>(c: ResumeCase<S>, cut: number, more: number): ResumeResult {
  const a = c.make();
  for (let t = 0; t < cut; t++) c.step(a, t);
  const text = JSON.stringify(c.save(a));
  const b = c.restore(JSON.parse(text));
  const resaved = JSON.stringify(c.save(b)) === text;
  const restored = bitEqual(c.observe(a), c.observe(b));
  for (let t = cut; t < cut + more; t++) {
    c.step(a, t);
    c.step(b, t);
  }
  return { resaved, restored, continued: bitEqual(c.observe(a), c.observe(b)) };
}
