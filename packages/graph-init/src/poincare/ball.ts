import { DomainError, ShapeError } from '@x/gpu';
import { checkFinite, checkUnit, describe } from '@x/gpu/checks';

// Poincaré ball of curvature −c (c > 0): {x : c‖x‖² < 1}. Formulas from Ungar's gyrovector
// spaces as used by hypll (diffgeom.py) and restated in spec §4a.

/** Norms are clamped below by this to avoid 0/0 in exp/log maps (spec §4a numerics). */
export const MIN_NORM = 1e-15;

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

function checkC(fn: string, c: number): void {
  if (!(c > 0) || !Number.isFinite(c)) throw new DomainError(`${fn}: curvature c must be finite and > 0, got ${c}`);
}

function checkSame(fn: string, x: Float64Array, y: Float64Array): void {
  if (x.length !== y.length) throw new ShapeError(`${fn}: vectors have lengths ${x.length} and ${y.length}`);
}

/** Conformal factor `λ_x = 2/(1 − c‖x‖²)` (Ganea et al. 2018, eq. 4). */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function conformalFactorRaw(x: Float64Array, c: number): number {
  checkC('conformalFactor', c);
  return 2 / (1 - c * dot(x, x));
}

/**
 * Möbius addition (Ungar 2008; Ganea et al. 2018, eq. 6):
 * `x ⊕_c y = ((1 + 2c⟨x,y⟩ + c‖y‖²) x + (1 − c‖x‖²) y) / (1 + 2c⟨x,y⟩ + c²‖x‖²‖y‖²)`.
 * Non-commutative, non-associative; as c → 0 it tends to x + y. O(n).
 * @throws ShapeError for unequal lengths; DomainError for c <= 0.
 */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function mobiusAddRaw(x: Float64Array, y: Float64Array, c: number): Float64Array {
  checkC('mobiusAdd', c);
  checkSame('mobiusAdd', x, y);
  const xy = dot(x, y);
  const x2 = dot(x, x);
  const y2 = dot(y, y);
  const a = 1 + 2 * c * xy + c * y2;
  const b = 1 - c * x2;
  const den = 1 + 2 * c * xy + c * c * x2 * y2;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (a * x[i]! + b * y[i]!) / den;
  return out;
}

/**
 * Gyration `gyr[u,v]w = w + 2(A u + B v)/D` with `A = −c²⟨u,w⟩‖v‖² + c⟨v,w⟩ + 2c²⟨u,v⟩⟨v,w⟩`,
 * `B = −c²⟨v,w⟩‖u‖² − c⟨u,w⟩`, `D = 1 + 2c⟨u,v⟩ + c²‖u‖²‖v‖²` (Ungar 2008, eq. 3.31; hypll).
 * It is the rotation that restores associativity: `u ⊕ (v ⊕ w) = (u ⊕ v) ⊕ gyr[u,v]w`.
 */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function gyrationRaw(u: Float64Array, v: Float64Array, w: Float64Array, c: number): Float64Array {
  checkC('gyration', c);
  checkSame('gyration', u, v);
  checkSame('gyration', u, w);
  const uw = dot(u, w);
  const vw = dot(v, w);
  const uv = dot(u, v);
  const u2 = dot(u, u);
  const v2 = dot(v, v);
  const c2 = c * c;
  const A = -c2 * uw * v2 + c * vw + 2 * c2 * uv * vw;
  const B = -c2 * vw * u2 - c * uw;
  const D = 1 + 2 * c * uv + c2 * u2 * v2;
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i]! + (2 * (A * u[i]! + B * v[i]!)) / D;
  return out;
}

/** `−x`, the gyrogroup inverse. */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function mobiusNegRaw(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = -x[i]!;
  return out;
}

/** Exponential map at the origin, `exp_0(v) = tanh(√c‖v‖) v/(√c‖v‖)` (Ganea et al. 2018, eq. 13). */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function expMap0Raw(v: Float64Array, c: number): Float64Array {
  checkC('expMap0', c);
  const sc = Math.sqrt(c);
  const nv = Math.max(Math.sqrt(dot(v, v)), MIN_NORM);
  const f = Math.tanh(sc * nv) / (sc * nv);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = f * v[i]!;
  return out;
}

/** Logarithmic map at the origin, `log_0(y) = artanh(√c‖y‖) y/(√c‖y‖)` (Ganea et al. 2018, eq. 13). */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function logMap0Raw(y: Float64Array, c: number): Float64Array {
  checkC('logMap0', c);
  const sc = Math.sqrt(c);
  const ny = Math.max(Math.sqrt(dot(y, y)), MIN_NORM);
  const f = Math.atanh(Math.min(sc * ny, 1 - 1e-16)) / (sc * ny);
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = f * y[i]!;
  return out;
}

/** `exp_x(v) = x ⊕ (tanh(√c λ_x‖v‖/2) v/(√c‖v‖))` (Ganea et al. 2018, Lemma 2). */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function expMapRaw(x: Float64Array, v: Float64Array, c: number): Float64Array {
  checkC('expMap', c);
  checkSame('expMap', x, v);
  const sc = Math.sqrt(c);
  const nv = Math.max(Math.sqrt(dot(v, v)), MIN_NORM);
  const lam = 2 / (1 - c * dot(x, x));
  const f = Math.tanh((sc * lam * nv) / 2) / (sc * nv);
  const s = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) s[i] = f * v[i]!;
  return mobiusAddRaw(x, s, c);
}

/** `log_x(y) = (2/(√c λ_x)) artanh(√c‖w‖) w/‖w‖`, `w = (−x) ⊕ y` (Ganea et al. 2018, Lemma 2). */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function logMapRaw(x: Float64Array, y: Float64Array, c: number): Float64Array {
  checkC('logMap', c);
  checkSame('logMap', x, y);
  const w = mobiusAddRaw(mobiusNegRaw(x), y, c);
  const sc = Math.sqrt(c);
  const nw = Math.max(Math.sqrt(dot(w, w)), MIN_NORM);
  const lam = 2 / (1 - c * dot(x, x));
  const f = ((2 / (sc * lam)) * Math.atanh(Math.min(sc * nw, 1 - 1e-16))) / nw;
  for (let i = 0; i < w.length; i++) w[i]! *= f;
  return w;
}

/** Geodesic distance `d(x,y) = (2/√c) artanh(√c‖(−x) ⊕ y‖)` (Ganea et al. 2018, eq. 5). */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function poincareDistanceRaw(x: Float64Array, y: Float64Array, c: number): number {
  checkC('poincareDistance', c);
  checkSame('poincareDistance', x, y);
  const w = mobiusAddRaw(mobiusNegRaw(x), y, c);
  const sc = Math.sqrt(c);
  return (2 / sc) * Math.atanh(Math.min(sc * Math.sqrt(dot(w, w)), 1 - 1e-16));
}

/** Parallel transport of a tangent vector `v` at x to y: `PT_{x→y}(v) = gyr[y, −x] v · λ_x/λ_y` (Shimizu et al. 2021, eq. 9). */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function parallelTransportRaw(x: Float64Array, y: Float64Array, v: Float64Array, c: number): Float64Array {
  checkC('parallelTransport', c);
  const g = gyrationRaw(y, mobiusNegRaw(x), v, c);
  const r = (1 - c * dot(y, y)) / (1 - c * dot(x, x));
  for (let i = 0; i < g.length; i++) g[i]! *= r;
  return g;
}

/**
 * Projects onto the closed ball of radius `(1 − eps)/√c` (spec §4a: eps = 4e-3 in float32,
 * 1e-5 in float64). Returns a new array.
 */
/** Unchecked kernel of the exported function of the same name (internal callers with points already checked). */
export function projectToBallRaw(x: Float64Array, c: number, eps = 1e-5): Float64Array {
  checkC('projectToBall', c);
  const nx = Math.sqrt(dot(x, x));
  const maxNorm = (1 - eps) / Math.sqrt(c);
  const out = Float64Array.from(x);
  if (nx > maxNorm) for (let i = 0; i < x.length; i++) out[i]! *= maxNorm / nx;
  return out;
}

function vec(fn: string, name: string, x: unknown, n?: number): Float64Array {
  if (!(x instanceof Float64Array)) throw new ShapeError(`${fn}: ${name} must be a Float64Array, got ${describe(x)}`);
  if (n !== undefined && x.length !== n) throw new ShapeError(`${fn}: vectors have lengths ${n} and ${x.length}`);
  checkFinite(fn, name, x);
  return x;
}

/** Throws a DomainError unless `x` lies strictly inside the ball c‖x‖² < 1. */
function inBall(fn: string, name: string, x: Float64Array, c: number): void {
  const r = c * dot(x, x);
  if (!(r < 1)) throw new DomainError(`${fn}: ${name} is outside the Poincaré ball (c‖${name}‖² = ${r}, must be < 1)`);
}

/** {@link conformalFactorRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function conformalFactor(x: Float64Array, c: number): number {
  checkC('conformalFactor', c);
  vec('conformalFactor', 'x', x);
  inBall('conformalFactor', 'x', x, c);
  return conformalFactorRaw(x, c);
}
/** {@link mobiusAddRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function mobiusAdd(x: Float64Array, y: Float64Array, c: number): Float64Array {
  checkC('mobiusAdd', c);
  vec('mobiusAdd', 'x', x);
  vec('mobiusAdd', 'y', y, x.length);
  inBall('mobiusAdd', 'x', x, c);
  inBall('mobiusAdd', 'y', y, c);
  return mobiusAddRaw(x, y, c);
}
/** {@link gyrationRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function gyration(u: Float64Array, v: Float64Array, w: Float64Array, c: number): Float64Array {
  checkC('gyration', c);
  vec('gyration', 'u', u);
  vec('gyration', 'v', v, u.length);
  vec('gyration', 'w', w, u.length);
  inBall('gyration', 'u', u, c);
  inBall('gyration', 'v', v, c);
  inBall('gyration', 'w', w, c);
  return gyrationRaw(u, v, w, c);
}
/** {@link mobiusNegRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function mobiusNeg(x: Float64Array): Float64Array {
  vec('mobiusNeg', 'x', x);
  return mobiusNegRaw(x);
}
/** {@link expMap0Raw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function expMap0(v: Float64Array, c: number): Float64Array {
  checkC('expMap0', c);
  vec('expMap0', 'v', v);
  return expMap0Raw(v, c);
}
/** {@link logMap0Raw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function logMap0(y: Float64Array, c: number): Float64Array {
  checkC('logMap0', c);
  vec('logMap0', 'y', y);
  inBall('logMap0', 'y', y, c);
  return logMap0Raw(y, c);
}
/** {@link expMapRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function expMap(x: Float64Array, v: Float64Array, c: number): Float64Array {
  checkC('expMap', c);
  vec('expMap', 'x', x);
  vec('expMap', 'v', v, x.length);
  inBall('expMap', 'x', x, c);
  return expMapRaw(x, v, c);
}
/** {@link logMapRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function logMap(x: Float64Array, y: Float64Array, c: number): Float64Array {
  checkC('logMap', c);
  vec('logMap', 'x', x);
  vec('logMap', 'y', y, x.length);
  inBall('logMap', 'x', x, c);
  inBall('logMap', 'y', y, c);
  return logMapRaw(x, y, c);
}
/** {@link poincareDistanceRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function poincareDistance(x: Float64Array, y: Float64Array, c: number): number {
  checkC('poincareDistance', c);
  vec('poincareDistance', 'x', x);
  vec('poincareDistance', 'y', y, x.length);
  inBall('poincareDistance', 'x', x, c);
  inBall('poincareDistance', 'y', y, c);
  return poincareDistanceRaw(x, y, c);
}
/** {@link parallelTransportRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function parallelTransport(x: Float64Array, y: Float64Array, v: Float64Array, c: number): Float64Array {
  checkC('parallelTransport', c);
  vec('parallelTransport', 'x', x);
  vec('parallelTransport', 'y', y, x.length);
  vec('parallelTransport', 'v', v, x.length);
  inBall('parallelTransport', 'x', x, c);
  inBall('parallelTransport', 'y', y, c);
  return parallelTransportRaw(x, y, v, c);
}
/** {@link projectToBallRaw} with its arguments checked (finite vectors of equal length, points inside the ball, c > 0). */
export function projectToBall(x: Float64Array, c: number, eps = 1e-5): Float64Array {
  checkC('projectToBall', c);
  vec('projectToBall', 'x', x);
  checkUnit('projectToBall', 'eps', eps, 0, 1, '[)');
  return projectToBallRaw(x, c, eps);
}
