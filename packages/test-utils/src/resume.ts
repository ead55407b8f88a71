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

/** A batch or output matrix as the modules see it. */
interface Rows {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

/** What {@link trainingCase} trains: @x/nn's module interface, structurally. */
export interface TrainableModule<X, P extends { value: ArrayLike<number> }> {
  forward(x: X): Rows;
  backward(dy: Rows): unknown;
  parameters(): P[];
  zeroGrad(): void;
  toJSON(): unknown;
}

/** What {@link trainingCase} steps with: an optimizer with saved state. */
export interface StatefulOptimizer<P> {
  step(params: P[]): void;
  toJSON(): unknown;
}

/**
 * A {@link ResumeCase} for a module trained on L = ½‖y‖² (so dL/dy = y) by an optimizer, on a
 * fresh deterministic batch per step; it observes every parameter and the output on `probe`.
 */
export function trainingCase<X, P extends { value: ArrayLike<number> }, M extends TrainableModule<X, P>, O extends StatefulOptimizer<P>>(o: {
  model: () => M;
  restoreModel: (json: never) => M;
  optimizer: () => O;
  restoreOptimizer: (json: never) => O;
  batch: (t: number) => X;
  probe: X;
}): ResumeCase<{ m: M; opt: O }> {
  return {
    make: () => ({ m: o.model(), opt: o.optimizer() }),
    step: (s, t) => {
      s.m.zeroGrad();
      const y = s.m.forward(o.batch(t));
      s.m.backward({ rows: y.rows, cols: y.cols, data: Float64Array.from(y.data) });
      s.opt.step(s.m.parameters());
    },
    save: (s) => ({ m: s.m.toJSON(), opt: s.opt.toJSON() }),
    restore: (json) => {
      const j = json as { m: never; opt: never };
      return { m: o.restoreModel(j.m), opt: o.restoreOptimizer(j.opt) };
    },
    observe: (s) => [...s.m.parameters().flatMap((p) => Array.from(p.value)), ...Array.from(s.m.forward(o.probe).data)],
  };
}
