// Kernels of the secular equation of divide-and-conquer eigen/singular value solvers
// (float64), in a file of their own (re-exported by kernels.ts). Operands are contiguous.

/**
 * The four sums of one secular iterate at x, for shifted poles a and weights z (k entries):
 * t_i = z_i / (a_i - x); out[0] = Σ_{i<split} z_i t_i, out[1] = Σ_{i<split} t_i²,
 * out[2] = Σ_{i>=split} z_i t_i, out[3] = Σ_{i>=split} t_i². Two lanes per sweep (the
 * division dominates: f64x2.div does two).
 */
export function secularSumsF64(k: i32, split: i32, a: usize, z: usize, x: f64, out: usize): void {
  const xv = f64x2.splat(x);
  let lo = 0;
  for (let part = 0; part < 2; part++) {
    const hi = part == 0 ? split : k;
    let s = f64x2.splat(0);
    let ds = f64x2.splat(0);
    let i = lo;
    for (; i + 1 < hi; i += 2) {
      const o = <usize>i << 3;
      const zv = v128.load(z + o);
      const t = f64x2.div(zv, f64x2.sub(v128.load(a + o), xv));
      s = f64x2.add(s, f64x2.mul(zv, t));
      ds = f64x2.add(ds, f64x2.mul(t, t));
    }
    let s1 = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    let d1 = f64x2.extract_lane(ds, 0) + f64x2.extract_lane(ds, 1);
    if (i < hi) {
      const o = <usize>i << 3;
      const zi = load<f64>(z + o);
      const t = zi / (load<f64>(a + o) - x);
      s1 += zi * t;
      d1 += t * t;
    }
    store<f64>(out + (<usize>part << 4), s1);
    store<f64>(out + (<usize>part << 4) + 8, d1);
    lo = hi;
  }
}
