import { DomainError, readState, ShapeError, type StateJSON, stateJSON } from '@x/gpu';
import { checkOptions, describe } from '@x/gpu/checks';
import type { Parameter } from '@x/nn';
import { AdamW, type AdamWJSON, type AdamWOptions } from '@x/optim';
import { S4D_SSM_PARAMETERS } from './s4d-layer';

/** Options of {@link S4DAdamW}: AdamW's, plus the learning rate of the SSM parameters. */
export interface S4DAdamWOptions extends Omit<AdamWOptions, 'decoupled'> {
  /**
   * Learning rate of the SSM parameters Δ, A, B (default: `lr`); they never get weight decay.
   * state-spaces/s4 uses 1e-3 for them (its `lr` kernel argument) beside a larger model rate.
   */
  ssmLr?: number;
}

/** What {@link S4DAdamW.toJSON} returns: the `@x` state envelope with the options as `config` and the two AdamW checkpoints as `state`. */
export type S4DAdamWJSON = StateJSON<'S4DAdamW', S4DAdamWOptions, { ssm: AdamWJSON; rest: AdamWJSON }>;

/**
 * True when `name` (a parameter name, possibly a dotted path such as `layers.0.logDt`) ends
 * in one of {@link S4D_SSM_PARAMETERS}: the parameters that state-spaces/s4 trains with their own
 * learning rate and no weight decay. False for anything that is not a string.
 */
export function isS4DSsmParameter(name: unknown): boolean {
  return typeof name === 'string' && S4D_SSM_PARAMETERS.includes(name.slice(name.lastIndexOf('.') + 1));
}

/**
 * AdamW with S4D's two parameter groups (state-spaces/s4: `register(name, tensor, lr)` puts the
 * `_optim` hint `{ lr, weight_decay: 0 }` on Δ, A and B, and the training script builds one
 * optimizer group per distinct hint). `@x/optim`'s AdamW has one learning rate and one weight
 * decay per instance, so this holds two: the SSM parameters ({@link isS4DSsmParameter}) step with
 * `ssmLr` and weight decay 0, every other parameter with `lr` and `weightDecay`. Both share the
 * betas, eps and schedule. `step` checks every parameter before either group moves; a group with
 * no parameters in a call is not stepped. Implements the optimizer interface of @x/nn's `fit`.
 */
export class S4DAdamW {
  /** The optimizer of the SSM parameters (Δ, A, B): lr `ssmLr`, no weight decay. */
  readonly ssm: AdamW;
  /** The optimizer of every other parameter. */
  readonly rest: AdamW;
  /** The options as given. */
  readonly options: Readonly<S4DAdamWOptions>;

  constructor(options: S4DAdamWOptions = {}) {
    const fn = 'S4DAdamW';
    if (options === null || typeof options !== 'object') throw new DomainError(`${fn}: options must be an object, got ${describe(options)}`);
    checkOptions(fn, options, ['lr', 'ssmLr', 'schedule', 'betas', 'eps', 'weightDecay']);
    const { ssmLr, ...base } = options;
    this.rest = new AdamW(base);
    this.ssm = new AdamW({ ...base, lr: ssmLr ?? base.lr, weightDecay: 0 });
    this.options = JSON.parse(JSON.stringify(options)) as S4DAdamWOptions;
  }

  /** One AdamW step of each group (parameters routed by name). */
  step(params: readonly Parameter[]): void {
    const fn = 'S4DAdamW.step';
    if (!Array.isArray(params)) throw new ShapeError(`${fn}: expects an array of parameters { name, value, grad }, got ${describe(params)}`);
    const ssm: Parameter[] = [];
    const rest: Parameter[] = [];
    for (const p of params) {
      if (!p || typeof p.name !== 'string') throw new ShapeError(`${fn}: every parameter needs a string name`);
      if (!(p.value instanceof Float64Array) || !(p.grad instanceof Float64Array) || p.value.length !== p.grad.length) {
        throw new ShapeError(`${fn}: parameter "${p.name}" needs value and grad as Float64Arrays of one length`);
      }
      for (let i = 0; i < p.grad.length; i++) {
        if (!Number.isFinite(p.grad[i]!) || !Number.isFinite(p.value[i]!)) throw new DomainError(`${fn}: parameter "${p.name}" has a non-finite value or gradient at ${i}`);
      }
      (isS4DSsmParameter(p.name) ? ssm : rest).push(p);
    }
    if (ssm.length) this.ssm.step(ssm);
    if (rest.length) this.rest.step(rest);
  }

  /** The state envelope: the options as `config`, both groups' AdamW checkpoints (bit-exact) as `state`. */
  toJSON(): S4DAdamWJSON {
    return stateJSON('S4DAdamW', this.options, { ssm: this.ssm.toJSON(), rest: this.rest.toJSON() });
  }

  /** Rebuilds the optimizer from {@link S4DAdamW.toJSON}; it continues bit-identically. DomainError on malformed JSON. */
  static fromJSON(json: S4DAdamWJSON): S4DAdamW {
    const fn = 'S4DAdamW.fromJSON';
    const { config, state } = readState(fn, 'S4DAdamW', json);
    const o = new S4DAdamW(config.obj as S4DAdamWOptions);
    state.object('ssm');
    state.object('rest');
    const ssm = AdamW.fromJSON(state.raw('ssm') as AdamWJSON);
    const rest = AdamW.fromJSON(state.raw('rest') as AdamWJSON);
    (o as { ssm: AdamW }).ssm = ssm;
    (o as { rest: AdamW }).rest = rest;
    return o;
  }
}
