/**
 * The three complex roots of a x³ + b x² + c x + d (real coefficients, a ≠ 0) by
 * Durand–Kerner (Weierstrass) iteration, polished until the correction is below 1e-15.
 * Returns interleaved [re0, im0, re1, im1, re2, im2]. Internal helper of the RIE density.
 */
export function cubicRoots(a: number, b: number, c: number, d: number, out = new Float64Array(6)): Float64Array {
  const B = b / a;
  const C = c / a;
  const Dd = d / a;
  // Start on a circle of radius bounding all roots (Cauchy bound), rotated off the real axis.
  const R = 1 + Math.max(Math.abs(B), Math.abs(C), Math.abs(Dd));
  const re = [R * Math.cos(0.4), R * Math.cos(0.4 + (2 * Math.PI) / 3), R * Math.cos(0.4 + (4 * Math.PI) / 3)];
  const im = [R * Math.sin(0.4), R * Math.sin(0.4 + (2 * Math.PI) / 3), R * Math.sin(0.4 + (4 * Math.PI) / 3)];
  for (let it = 0; it < 500; it++) {
    let delta = 0;
    for (let k = 0; k < 3; k++) {
      const xr = re[k]!;
      const xi = im[k]!;
      // p(x) = ((x + B) x + C) x + D
      let pr = xr + B;
      let pi = xi;
      let t = pr * xr - pi * xi + C;
      pi = pr * xi + pi * xr;
      pr = t;
      t = pr * xr - pi * xi + Dd;
      pi = pr * xi + pi * xr;
      pr = t;
      // q = Π_{j≠k} (x − x_j)
      let qr = 1;
      let qi = 0;
      for (let j = 0; j < 3; j++) {
        if (j === k) continue;
        const dr = xr - re[j]!;
        const di = xi - im[j]!;
        const nr = qr * dr - qi * di;
        qi = qr * di + qi * dr;
        qr = nr;
      }
      const den = qr * qr + qi * qi || 1e-300;
      const cr = (pr * qr + pi * qi) / den;
      const ci = (pi * qr - pr * qi) / den;
      re[k] = xr - cr;
      im[k] = xi - ci;
      delta = Math.max(delta, Math.abs(cr) + Math.abs(ci));
    }
    if (delta < 1e-15 * R) break;
  }
  for (let k = 0; k < 3; k++) {
    out[2 * k] = re[k]!;
    out[2 * k + 1] = im[k]!;
  }
  return out;
}
