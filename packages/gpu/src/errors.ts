/**
 * Typed errors shared by every `@x` package. Each sets `name`, so callers can branch on
 * `err.name === 'ShapeError'`, and each carries a `Symbol.for` brand, so `instanceof` and the
 * `is*Error` guards below also recognize errors thrown by another copy of @x/gpu (a second
 * version in node_modules, or the CommonJS build beside the ESM one).
 */

/** Brand on every `@x` error instance (inherited getter, value `true`); the same symbol in every copy. */
const BRAND = Symbol.for('@x/gpu.error');
/** Own static of each built-in error class: the `name` its instances carry. */
const KIND = Symbol.for('@x/gpu.error-kind');

type Branded = { [BRAND]?: unknown; name?: unknown };

/** An error from any copy of @x/gpu whose class is `cls` (one of the five below) or a subclass. */
function branded(cls: object, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || (value as Branded)[BRAND] !== true) return false;
  // Only the built-in classes match by brand; a user's subclass matches by prototype alone.
  if (!Object.hasOwn(cls, KIND)) return false;
  const kind = (cls as { [KIND]: string })[KIND];
  if (kind === 'XError') return true;
  // ShapeError, DomainError, ... : the instance's class chain includes `kind`.
  for (let p = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
    const ctor = Object.hasOwn(p, 'constructor') ? (p.constructor as object) : null;
    if (ctor && Object.hasOwn(ctor, KIND) && (ctor as { [KIND]: string })[KIND] === kind) return true;
  }
  return false;
}

/**
 * Base class of all `@x` errors. `instanceof XError` (and of each subclass below) is true for
 * errors from any copy of @x/gpu in the process, not only this one.
 */
export class XError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
  /** @internal */
  static get [KIND](): string {
    return 'XError';
  }
  /** @internal */
  get [BRAND](): true {
    return true;
  }
  /** Prototype chain first, then the cross-copy brand (see the module comment). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof, a subclass included
    return Function.prototype[Symbol.hasInstance].call(this, value) || branded(this, value);
  }
}

/** Operand shapes do not fit the operation. The message names the function and both shapes. */
export class ShapeError extends XError {
  override name = 'ShapeError' as const;
  /** @internal */
  static override get [KIND](): string {
    return 'ShapeError';
  }
}

/** A value is outside the function's domain: NaN/Infinity, rank > min(m, n), a negative step, ... */
export class DomainError extends XError {
  override name = 'DomainError' as const;
  /** @internal */
  static override get [KIND](): string {
    return 'DomainError';
  }
}

/** An iteration ran out of budget. `residual` is the best residual it reached. */
export class ConvergenceError extends XError {
  override name = 'ConvergenceError' as const;
  readonly residual: number;
  readonly iterations: number;
  constructor(message: string, residual: number, iterations: number) {
    super(message);
    this.residual = residual;
    this.iterations = iterations;
  }
  /** @internal */
  static override get [KIND](): string {
    return 'ConvergenceError';
  }
}

/** A requested compute backend is unavailable or unusable. `reason` says why. */
export class BackendError extends XError {
  override name = 'BackendError' as const;
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(`${message}: ${reason}`);
    this.reason = reason;
  }
  /** @internal */
  static override get [KIND](): string {
    return 'BackendError';
  }
}

/** Whether `e` is an `@x` error (from this or any other copy of @x/gpu). Same as `e instanceof XError`. */
export function isXError(e: unknown): e is XError {
  return e instanceof XError;
}
/** Whether `e` is a {@link ShapeError} from any copy of @x/gpu. */
export function isShapeError(e: unknown): e is ShapeError {
  return e instanceof ShapeError;
}
/** Whether `e` is a {@link DomainError} from any copy of @x/gpu. */
export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
/** Whether `e` is a {@link ConvergenceError} from any copy of @x/gpu. */
export function isConvergenceError(e: unknown): e is ConvergenceError {
  return e instanceof ConvergenceError;
}
/** Whether `e` is a {@link BackendError} from any copy of @x/gpu. */
export function isBackendError(e: unknown): e is BackendError {
  return e instanceof BackendError;
}

/**
 * A long-running function stopped because its `signal` was aborted. `cause` is the signal's
 * reason. Its `name` is `'AbortError'`, like the DOM's, so `err.name === 'AbortError'` checks
 * catch both.
 */
export class AbortError extends XError {
  override name = 'AbortError' as const;
  constructor(message: string, cause?: unknown) {
    super(message);
    if (cause !== undefined) Object.defineProperty(this, 'cause', { value: cause, writable: true, configurable: true });
  }
  /** @internal */
  static override get [KIND](): string {
    return 'AbortError';
  }
}

/** Whether `e` is an {@link AbortError} from any copy of @x/gpu. */
export function isAbortError(e: unknown): e is AbortError {
  return e instanceof AbortError;
}
