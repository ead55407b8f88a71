import { checkOptions, describe } from '@x/gpu/checks';
import { assertMatrix, type Device, DomainError, encodeArray, type EncodedArray, isStateJSON, type Matrix, readState, ShapeError, type StateJSON, StateReader, stateJSON } from '@x/gpu';

/**
 * One trainable tensor of a module: its values and the gradient accumulated by `backward`,
 * both flat float64 arrays in row-major order (`shape` says how to read them).
 *
 * `value` and `grad` are the module's own storage, not copies: an optimizer updates `value` in
 * place and the module sees the change; `backward` adds into `grad` until `zeroGrad()`.
 */
export interface Parameter {
  /** Unique within a model, path-like: `"0.weight"`, `"body.2.bias"`. Optimizers key their state by it. */
  readonly name: string;
  readonly value: Float64Array;
  readonly grad: Float64Array;
  /** `[rows, cols]` for a matrix, `[n]` for a vector. */
  readonly shape: readonly number[];
}

/**
 * What a module's `toJSON()` returns: the `@x` state envelope `{ type, version, config, state }`
 * (see {@link ModuleStateJSON}), dispatched on `type` by `moduleFromJSON`. Typed loosely so that
 * the unversioned `{ type, ...fields }` format of earlier releases is still accepted (read for
 * one release).
 */
export interface ModuleJSON {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * The envelope a module writes: `config` holds its scalar settings (sizes, flags, name), `state`
 * its tensors as bit-exact `EncodedArray`s and its sub-modules' own envelopes.
 */
export type ModuleStateJSON<T extends string, C, S> = StateJSON<T, C, S>;

/** Writes a module envelope, encoding every Float64Array in `state` bit-exactly. */
export function moduleJSON<T extends string, C, S extends Record<string, unknown>>(
  type: T,
  config: C,
  state: S,
): ModuleStateJSON<T, C, { [K in keyof S]: S[K] extends Float64Array ? EncodedArray : S[K] }> {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new DomainError(`moduleJSON: state must be an object, got ${state === null ? 'null' : typeof state}`);
  const enc: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) enc[k] = v instanceof Float64Array ? encodeArray(v) : v;
  return stateJSON(type, config, enc as { [K in keyof S]: S[K] extends Float64Array ? EncodedArray : S[K] });
}

/**
 * Opens a module's saved JSON for its `fromJSON`: the envelope (checked with `readState` from
 * @x/gpu), or the unversioned `{ type, ...fields }` format of earlier releases, whose number
 * arrays become encoded arrays and whose scalars become config, so both are read by the same
 * code. Layers that saved their parameters by name under `params` in that format (`{ type, ...,
 * params: { [name]: number[] } }`) get them lifted to top-level state fields, which is where the
 * envelope keeps them. Returns one reader over config and state together (a module's field
 * names are unique).
 */
export function readModuleJSON(fn: string, type: string, json: unknown): StateReader {
  let j = json;
  if (typeof j === 'object' && j !== null && !Array.isArray(j) && !isStateJSON(j) && (j as ModuleJSON).type === type && (j as { version?: unknown }).version === undefined) {
    const config: Record<string, unknown> = {};
    const state: Record<string, unknown> = {};
    const { params, ...rest } = j as Record<string, unknown>;
    const lifted = typeof params === 'object' && params !== null && !Array.isArray(params) ? { ...rest, ...params } : (j as Record<string, unknown>);
    for (const [k, v] of Object.entries(lifted)) {
      if (k === 'type') continue;
      if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) state[k] = encodeArray(Float64Array.from(v));
      else if (Array.isArray(v) && v.length === 0) state[k] = encodeArray(new Float64Array(0));
      else if (typeof v === 'object' && v !== null) state[k] = v;
      else config[k] = v;
    }
    j = stateJSON(type, config, state);
  }
  const { config, state } = readState(fn, type, j);
  return new StateReader(fn, { ...config.obj, ...state.obj }, '');
}

/** Passed down by the async path (`forwardAsync` / `backwardAsync`, and `fit({ device })`). */
export interface AsyncContext {
  /** A device for large products; a layer's own `device` option takes precedence. */
  readonly device?: Device;
}

/**
 * The module interface every `@x` layer implements (here and in the domain packages).
 *
 * A batch is a matrix with one example per row. `forward(x)` caches what `backward` needs;
 * `backward(dy)` takes dL/dy for the last forward's output (same shape), returns dL/dx and
 * ADDS the parameter gradients into `parameters()[i].grad`. No autograd tape: each module
 * owns its explicit derivative, and tests check it with {@link gradCheck}.
 *
 * The optional async pair lets products run on an @x/gpu `Device`; modules without them are
 * driven through their synchronous methods by {@link forwardWith} / {@link backwardWith}.
 */
export interface Module {
  forward(x: Matrix): Matrix;
  backward(dy: Matrix): Matrix;
  /** The trainable tensors, named uniquely within this module; empty for parameter-free modules. */
  parameters(): Parameter[];
  /** Sets every parameter gradient to zero. */
  zeroGrad(): void;
  /** A JSON-safe snapshot (plain numbers, no typed arrays) that `moduleFromJSON` rebuilds exactly. */
  toJSON(): ModuleJSON;
  forwardAsync?(x: Matrix, ctx?: AsyncContext): Promise<Matrix>;
  backwardAsync?(dy: Matrix, ctx?: AsyncContext): Promise<Matrix>;
}

/** Runs `m.forwardAsync` when the module has one, else its synchronous `forward`. */
export function forwardWith(m: Module, x: Matrix, ctx?: AsyncContext): Promise<Matrix> {
  try {
    checkModule('forwardWith', 'm', m);
    checkOptions('forwardWith', ctx, ['device']);
  } catch (e) {
    return Promise.reject(e);
  }
  return m.forwardAsync ? m.forwardAsync(x, ctx) : Promise.resolve().then(() => m.forward(x));
}

/** Runs `m.backwardAsync` when the module has one, else its synchronous `backward`. */
export function backwardWith(m: Module, dy: Matrix, ctx?: AsyncContext): Promise<Matrix> {
  try {
    checkModule('backwardWith', 'm', m);
    checkOptions('backwardWith', ctx, ['device']);
  } catch (e) {
    return Promise.reject(e);
  }
  return m.backwardAsync ? m.backwardAsync(dy, ctx) : Promise.resolve().then(() => m.backward(dy));
}

/** Zeroes the gradients of a list of parameters. */
export function zeroGradOf(params: readonly Parameter[]): void {
  checkParamList('zeroGradOf', params);
  for (const p of params) p.grad.fill(0);
}

/** Total number of scalar parameters. */
export function parameterCount(m: Module): number {
  checkModule('parameterCount', 'm', m);
  let n = 0;
  for (const p of m.parameters()) n += p.value.length;
  return n;
}

/** Prefixes parameter names (`prefix.name`), sharing the value/grad storage. */
export function prefixParameters(prefix: string, params: readonly Parameter[]): Parameter[] {
  if (typeof prefix !== 'string') throw new DomainError(`prefixParameters: prefix must be a string, got ${typeof prefix}`);
  checkParamList('prefixParameters', params);
  return params.map((p) => ({ name: `${prefix}.${p.name}`, value: p.value, grad: p.grad, shape: p.shape }));
}

/**
 * Throws a ShapeError naming `layer` unless `x` is a Matrix with `cols` columns. `detail` is
 * appended in parentheses (e.g. `"weight is 4x3"`).
 */
export function checkInput(layer: string, what: string, x: unknown, cols: number, detail?: string): asserts x is Matrix {
  assertMatrix(layer, what, x);
  if (x.cols !== cols) {
    throw new ShapeError(`${layer}: ${what} is ${x.rows}x${x.cols}, expected batch x ${cols}${detail ? ` (${detail})` : ''}`);
  }
}

/** Throws unless `dy` has exactly the shape of the cached forward output. */
export function checkGrad(layer: string, dy: unknown, rows: number, cols: number): asserts dy is Matrix {
  assertMatrix(layer, 'dy', dy);
  if (dy.rows !== rows || dy.cols !== cols) {
    throw new ShapeError(`${layer}: dy is ${dy.rows}x${dy.cols}, expected ${rows}x${cols} (the shape of the last forward output)`);
  }
}

export function noForward(layer: string): DomainError {
  return new DomainError(`${layer}: backward called before forward (there is no cached input)`);
}

/** Copies an array of finite numbers into a new Float64Array of the expected length (DomainError for NaN/±Infinity, ShapeError for a wrong length). */
export function floatsFromJSON(fn: string, name: string, v: unknown, n: number): Float64Array {
  if (!Array.isArray(v) && !(v instanceof Float64Array)) {
    throw new DomainError(`${fn}: ${name} must be an array of ${n} numbers`);
  }
  const a = v as ArrayLike<unknown>;
  if (a.length !== n) throw new ShapeError(`${fn}: ${name} has length ${a.length}, expected ${n}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new DomainError(`${fn}: ${name}[${i}] is ${String(x)}, expected a finite number`);
    out[i] = x;
  }
  return out;
}

/** Throws a DomainError naming `fn` unless `m` is a {@link Module} (an object with `parameters()`, `forward` and `backward`). */
export function checkModule(fn: string, name: string, m: unknown): asserts m is Module {
  const o = m as Partial<Module> | null;
  if (o === null || typeof o !== 'object' || typeof o.parameters !== 'function' || typeof o.forward !== 'function' || typeof o.backward !== 'function') {
    throw new DomainError(`${fn}: ${name} must be a Module (forward, backward, parameters), got ${m === null ? 'null' : typeof m}`);
  }
}

/**
 * Checks the structure of a parameter list (no data is read): an array of `{ name, value, grad,
 * shape }` with Float64Array value and grad of equal length and a shape of non-negative integers
 * whose product is that length.
 */
export function checkParamList(fn: string, params: unknown): asserts params is Parameter[] {
  if (!Array.isArray(params)) throw new DomainError(`${fn}: params must be an array of parameters, got ${describe(params)}`);
  for (let k = 0; k < params.length; k++) {
    const p = params[k] as Partial<Parameter> | null;
    if (p === null || typeof p !== 'object' || typeof p.name !== 'string' || !(p.value instanceof Float64Array) || !(p.grad instanceof Float64Array)) {
      throw new DomainError(`${fn}: params[${k}] must be { name: string, value: Float64Array, grad: Float64Array, shape }, got ${describe(p)}`);
    }
    if (p.grad.length !== p.value.length) {
      throw new ShapeError(`${fn}: parameter "${p.name}" has ${p.value.length} values but ${p.grad.length} gradient entries`);
    }
    const shape = p.shape as unknown;
    let size = Array.isArray(shape) ? 1 : -1;
    if (Array.isArray(shape)) {
      for (const d of shape) size = typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 ? size * d : -1;
    }
    if (size !== p.value.length) {
      throw new ShapeError(`${fn}: parameter "${p.name}" has shape ${describe(shape)}${Array.isArray(shape) ? ` [${shape.join(', ')}]` : ''}, which does not hold its ${p.value.length} values`);
    }
  }
}
