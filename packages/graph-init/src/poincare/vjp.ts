// Reverse-mode derivatives (vector-Jacobian products) of the Poincaré-ball operations that the
// trainable layers compose: Möbius addition, gyration, Möbius scalar multiplication, the
// gyromidpoint and the geodesic distance. Each takes the upstream gradient g of the output and
// returns (or accumulates into) the gradients of the inputs. Internal: callers have checked
// shapes and finiteness; finite-difference checks live in test/poincare-resnet.test.ts.

function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/**
 * `x ⊕ y` into `out` (length n), without allocation. With a = 1 + 2c⟨x,y⟩ + c‖y‖²,
 * b = 1 − c‖x‖², D = 1 + 2c⟨x,y⟩ + c²‖x‖²‖y‖²: out = (a x + b y)/D.
 */
export function mobiusAddInto(x: ArrayLike<number>, y: ArrayLike<number>, c: number, out: Float64Array): void {
  const xy = dot(x, y);
  const x2 = dot(x, x);
  const y2 = dot(y, y);
  const a = 1 + 2 * c * xy + c * y2;
  const b = 1 - c * x2;
  const D = 1 + 2 * c * xy + c * c * x2 * y2;
  for (let i = 0; i < out.length; i++) out[i] = (a * x[i]! + b * y[i]!) / D;
}

/** Adds the gradients of `x ⊕ y` (upstream g) to gx and gy. */
export function mobiusAddVjp(x: ArrayLike<number>, y: ArrayLike<number>, c: number, g: ArrayLike<number>, gx: Float64Array, gy: Float64Array): void {
  const xy = dot(x, y);
  const x2 = dot(x, x);
  const y2 = dot(y, y);
  const a = 1 + 2 * c * xy + c * y2;
  const b = 1 - c * x2;
  const D = 1 + 2 * c * xy + c * c * x2 * y2;
  const gxd = dot(g, x);
  const gyd = dot(g, y);
  // g·N with N = a x + b y; out = N/D.
  const gN = a * gxd + b * gyd;
  const q = gN / (D * D);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    // ∂a/∂x = 2c y, ∂b/∂x = −2c x, ∂D/∂x = 2c y + 2c²‖y‖² x.
    gx[i]! += (a * g[i]! + gxd * 2 * c * yi - gyd * 2 * c * xi) / D - q * (2 * c * yi + 2 * c * c * y2 * xi);
    // ∂a/∂y = 2c x + 2c y, ∂b/∂y = 0, ∂D/∂y = 2c x + 2c²‖x‖² y.
    gy[i]! += (b * g[i]! + gxd * (2 * c * xi + 2 * c * yi)) / D - q * (2 * c * xi + 2 * c * c * x2 * yi);
  }
}

/** gyr[u,v]w into `out` (spec §4a; Ungar 2008, eq. 3.31). */
export function gyrationInto(u: ArrayLike<number>, v: ArrayLike<number>, w: ArrayLike<number>, c: number, out: Float64Array): void {
  const uw = dot(u, w);
  const vw = dot(v, w);
  const uv = dot(u, v);
  const u2 = dot(u, u);
  const v2 = dot(v, v);
  const c2 = c * c;
  const A = -c2 * uw * v2 + c * vw + 2 * c2 * uv * vw;
  const B = -c2 * vw * u2 - c * uw;
  const D = 1 + 2 * c * uv + c2 * u2 * v2;
  for (let i = 0; i < out.length; i++) out[i] = w[i]! + (2 * (A * u[i]! + B * v[i]!)) / D;
}

/** Adds the gradients of gyr[u,v]w (upstream g) to gu, gv and gw. */
export function gyrationVjp(u: ArrayLike<number>, v: ArrayLike<number>, w: ArrayLike<number>, c: number, g: ArrayLike<number>, gu: Float64Array, gv: Float64Array, gw: Float64Array): void {
  const uw = dot(u, w);
  const vw = dot(v, w);
  const uv = dot(u, v);
  const u2 = dot(u, u);
  const v2 = dot(v, v);
  const c2 = c * c;
  const A = -c2 * uw * v2 + c * vw + 2 * c2 * uv * vw;
  const B = -c2 * vw * u2 - c * uw;
  const D = 1 + 2 * c * uv + c2 * u2 * v2;
  const ggu = dot(g, u);
  const ggv = dot(g, v);
  // g·out = g·w + 2(A⟨g,u⟩ + B⟨g,v⟩)/D; the scalars A, B, D depend on u, v, w.
  const kA = (2 * ggu) / D;
  const kB = (2 * ggv) / D;
  const kD = (-2 * (A * ggu + B * ggv)) / (D * D);
  // dA = −c²‖v‖² d⟨u,w⟩ − c²⟨u,w⟩ d‖v‖² + c d⟨v,w⟩ + 2c²(⟨v,w⟩ d⟨u,v⟩ + ⟨u,v⟩ d⟨v,w⟩)
  // dB = −c²‖u‖² d⟨v,w⟩ − c²⟨v,w⟩ d‖u‖² − c d⟨u,w⟩;  dD = 2c d⟨u,v⟩ + c²(‖v‖² d‖u‖² + ‖u‖² d‖v‖²).
  const cUw = kA * -c2 * v2 + kB * -c;
  const cVw = kA * (c + 2 * c2 * uv) + kB * -c2 * u2;
  const cUv = kA * 2 * c2 * vw + kD * 2 * c;
  const cU2 = kB * -c2 * vw + kD * c2 * v2;
  const cV2 = kA * -c2 * uw + kD * c2 * u2;
  const aD = (2 * A) / D;
  const bD = (2 * B) / D;
  for (let i = 0; i < w.length; i++) {
    const ui = u[i]!;
    const vi = v[i]!;
    const wi = w[i]!;
    gw[i]! += g[i]! + cUw * ui + cVw * vi;
    gu[i]! += aD * g[i]! + cUw * wi + cUv * vi + 2 * cU2 * ui;
    gv[i]! += bD * g[i]! + cVw * wi + cUv * ui + 2 * cV2 * vi;
  }
}

/** `artanh(t)/t`, continuous at 0. */
function artanhOver(t: number): number {
  return t < 1e-8 ? 1 + (t * t) / 3 : Math.atanh(t) / t;
}

/**
 * Möbius scalar multiplication `s ⊗ w = tanh(s artanh(√c‖w‖)) w/(√c‖w‖)` (Ganea et al. 2018,
 * eq. 9) into `out`; tends to s w as w → 0.
 */
export function mobiusScaleInto(s: number, w: ArrayLike<number>, c: number, out: Float64Array): void {
  const sc = Math.sqrt(c);
  const n = Math.sqrt(dot(w, w));
  const t = Math.min(sc * n, 1 - 1e-16);
  const k = n < 1e-15 ? s : Math.tanh(s * Math.atanh(t)) / (sc * n);
  for (let i = 0; i < out.length; i++) out[i] = k * w[i]!;
}

/** Adds the gradient of `s ⊗ w` (upstream g) to gw and returns the gradient of s. */
export function mobiusScaleVjp(s: number, w: ArrayLike<number>, c: number, g: ArrayLike<number>, gw: Float64Array): number {
  const sc = Math.sqrt(c);
  const n = Math.sqrt(dot(w, w));
  const gw0 = dot(g, w);
  if (n < 1e-15) {
    for (let i = 0; i < w.length; i++) gw[i]! += s * g[i]!;
    return 0;
  }
  const t = Math.min(sc * n, 1 - 1e-16);
  const at = Math.atanh(t);
  const T = Math.tanh(s * at);
  const k = T / (sc * n);
  // dk/dn = (1 − T²) s √c/((1 − c n²) √c n) − T/(√c n²).
  const dk = ((1 - T * T) * s) / ((1 - t * t) * n) - T / (sc * n * n);
  for (let i = 0; i < w.length; i++) gw[i]! += k * g[i]! + ((gw0 * dk) / n) * w[i]!;
  return (gw0 / (sc * n)) * (1 - T * T) * at;
}

/**
 * Squared geodesic distance `d(μ, x)² = (4/c) artanh(√c‖(−μ) ⊕ x‖)²` and its gradient: adds
 * `scale · ∂d²/∂μ` to gmu and `scale · ∂d²/∂x` to gx. `w` is scratch of length n.
 */
export function sqDistVjp(mu: ArrayLike<number>, x: ArrayLike<number>, c: number, scale: number, gmu: Float64Array, gx: Float64Array, w: Float64Array, negMu: Float64Array, tmp: Float64Array): number {
  const sc = Math.sqrt(c);
  for (let i = 0; i < mu.length; i++) negMu[i] = -mu[i]!;
  mobiusAddInto(negMu, x, c, w);
  const n = Math.sqrt(dot(w, w));
  const t = Math.min(sc * n, 1 - 1e-16);
  const d = (2 / sc) * Math.atanh(t);
  // ∂d²/∂w = 2d · 2/(1 − c‖w‖²) · w/‖w‖ = (8/(1 − c n²)) artanh(√c n)/(√c n) w.
  const f = (scale * 8 * artanhOver(t)) / (1 - t * t);
  for (let i = 0; i < w.length; i++) w[i]! *= f;
  tmp.fill(0);
  mobiusAddVjp(negMu, x, c, w, tmp, gx);
  for (let i = 0; i < mu.length; i++) gmu[i]! -= tmp[i]!;
  return d * d;
}

/**
 * Gradient of the gyromidpoint m(X) (rows of X, n x d; {@link poincareMidpoint}) given the
 * upstream g (d): adds ∂⟨g, m⟩/∂X to gX (n x d, row-major).
 */
export function midpointVjp(X: ArrayLike<number>, n: number, d: number, c: number, g: ArrayLike<number>, gX: Float64Array): void {
  const lam = new Float64Array(n);
  const P = new Float64Array(d);
  let Q = 0;
  for (let i = 0; i < n; i++) {
    let x2 = 0;
    for (let j = 0; j < d; j++) x2 += X[i * d + j]! ** 2;
    lam[i] = 2 / (1 - c * x2);
    for (let j = 0; j < d; j++) P[j]! += lam[i]! * X[i * d + j]!;
    Q += lam[i]! - 1;
  }
  const f = new Float64Array(d);
  for (let j = 0; j < d; j++) f[j] = P[j]! / Q;
  const q = dot(f, f);
  const r = Math.sqrt(Math.max(1e-300, 1 - c * q));
  // m = h(q) f, h = 1/(1 + r), r = √(1 − c q): h′(q) = c/(2 r (1 + r)²).
  const h = 1 / (1 + r);
  const hp = c / (2 * r * (1 + r) * (1 + r));
  const gf = new Float64Array(d);
  const fg = dot(f, g);
  for (let j = 0; j < d; j++) gf[j] = h * g[j]! + 2 * hp * fg * f[j]!;
  // f = P/Q: ∂/∂P = 1/Q, ∂/∂Q = −f/Q.
  const gQ = -dot(gf, f) / Q;
  for (let i = 0; i < n; i++) {
    const li = lam[i]!;
    let xg = 0;
    for (let j = 0; j < d; j++) xg += X[i * d + j]! * gf[j]!;
    // ∂λ_i/∂x_i = c λ_i² x_i; P gets λ_i x_i, Q gets λ_i − 1.
    const dl = (xg / Q + gQ) * c * li * li;
    for (let j = 0; j < d; j++) gX[i * d + j]! += (li * gf[j]!) / Q + dl * X[i * d + j]!;
  }
}
