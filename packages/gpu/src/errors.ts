/**
 * Typed errors shared by every @x package. Each sets `name`, so callers can branch on
 * `err.name === 'ShapeError'` even across bundles where `instanceof` fails.
 */

/** Base class of all @x errors. */
export class XError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Operand shapes do not fit the operation. The message names the function and both shapes. */
export class ShapeError extends XError {
  override name = 'ShapeError' as const;
}

/** A value is outside the function's domain: NaN/Infinity, rank > min(m, n), a negative step, ... */
export class DomainError extends XError {
  override name = 'DomainError' as const;
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
}

/** A requested compute backend is unavailable or unusable. `reason` says why. */
export class BackendError extends XError {
  override name = 'BackendError' as const;
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(`${message}: ${reason}`);
    this.reason = reason;
  }
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
}
