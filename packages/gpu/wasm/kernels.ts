// AssemblyScript source of @x/gpu's `wasm` backend: packed, register-tiled GEMM with v128 SIMD
// (f64x2 and f32x4), plus elementwise kernels and reductions. Compiled at build time by
// scripts/build-wasm.mjs; the bytes are embedded in src/wasm/binary.ts. All pointers are byte
// offsets into the exported memory; strides are in elements.
//
// GEMM layout (GotoBLAS): B is packed per KC x NC panel into NR-column micro-panels, A per
// MC x KC block into MR-row micro-panels, both k-major and zero-padded, so the micro-kernel
// streams two contiguous buffers. C += A * B; `upper` skips tiles strictly below the diagonal,
// where column j of C is column j + colOff of the whole product (a thread's column slice).

const KC: i32 = 256;
// A multiple of both tiles' five rows, so packed blocks need no padding rows.
const MC: i32 = 95;
const NC: i32 = 1024;

// Where a micro-kernel spills an edge tile (160 bytes; 256 reserved). A global, so per instance: each worker
// of a thread pool sharing one memory sets its own.
let scratch: usize = 0;

export function setScratch(p: usize): void {
  scratch = p;
}

// Multiply-add c + a * b: one fused instruction in the relaxed-SIMD build (where the engine has
// FMA), a multiply then an add otherwise. Chosen at compile time.
@inline function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

@inline function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// ---------------------------------------------------------------- float64: 5 x 4 tile
@inline function at64(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// Five rows of A by four columns of B: 10 f64x2 accumulators, two B vectors and one broadcast A
// element stay in the 16 SIMD registers of x86-64 (V8 keeps one as its scratch), where the 6 x 4
// tile spills without fused multiply-add. A elements are broadcast straight from memory
// (load64_splat); immediate offsets save the address arithmetic. Measured on the raw kernels
// (Zen 5, Node 20, 512^3): 17.7 -> 22.6 GFLOP/s over the previous 4 x 4 tile.
function micro64(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, mr: i32, nr: i32): void {
  let c0_0 = f64x2.splat(0);
  let c0_1 = f64x2.splat(0);
  let c1_0 = f64x2.splat(0);
  let c1_1 = f64x2.splat(0);
  let c2_0 = f64x2.splat(0);
  let c2_1 = f64x2.splat(0);
  let c3_0 = f64x2.splat(0);
  let c3_1 = f64x2.splat(0);
  let c4_0 = f64x2.splat(0);
  let c4_1 = f64x2.splat(0);
  let ia = pa;
  let ib = pb;
  let p = 0;
  for (; p < kc; p++) {
    const b0_0 = v128.load(ib, 0);
    const b1_0 = v128.load(ib, 16);
    const a0_0 = v128.load64_splat(ia, 0);
    c0_0 = madd64(a0_0, b0_0, c0_0);
    c0_1 = madd64(a0_0, b1_0, c0_1);
    const a1_0 = v128.load64_splat(ia, 8);
    c1_0 = madd64(a1_0, b0_0, c1_0);
    c1_1 = madd64(a1_0, b1_0, c1_1);
    const a2_0 = v128.load64_splat(ia, 16);
    c2_0 = madd64(a2_0, b0_0, c2_0);
    c2_1 = madd64(a2_0, b1_0, c2_1);
    const a3_0 = v128.load64_splat(ia, 24);
    c3_0 = madd64(a3_0, b0_0, c3_0);
    c3_1 = madd64(a3_0, b1_0, c3_1);
    const a4_0 = v128.load64_splat(ia, 32);
    c4_0 = madd64(a4_0, b0_0, c4_0);
    c4_1 = madd64(a4_0, b1_0, c4_1);
    ia += 40;
    ib += 32;
  }
  const ld = <usize>ldc << 3;
  if (mr == 5 && nr == 4) {
    let r = c;
    v128.store(r, f64x2.add(v128.load(r, 0), c0_0), 0);
    v128.store(r, f64x2.add(v128.load(r, 16), c0_1), 16);
    r += ld;
    v128.store(r, f64x2.add(v128.load(r, 0), c1_0), 0);
    v128.store(r, f64x2.add(v128.load(r, 16), c1_1), 16);
    r += ld;
    v128.store(r, f64x2.add(v128.load(r, 0), c2_0), 0);
    v128.store(r, f64x2.add(v128.load(r, 16), c2_1), 16);
    r += ld;
    v128.store(r, f64x2.add(v128.load(r, 0), c3_0), 0);
    v128.store(r, f64x2.add(v128.load(r, 16), c3_1), 16);
    r += ld;
    v128.store(r, f64x2.add(v128.load(r, 0), c4_0), 0);
    v128.store(r, f64x2.add(v128.load(r, 16), c4_1), 16);
    return;
  }
  const s = scratch;
  v128.store(s, c0_0, 0);
  v128.store(s, c0_1, 16);
  v128.store(s, c1_0, 32);
  v128.store(s, c1_1, 48);
  v128.store(s, c2_0, 64);
  v128.store(s, c2_1, 80);
  v128.store(s, c3_0, 96);
  v128.store(s, c3_1, 112);
  v128.store(s, c4_0, 128);
  v128.store(s, c4_1, 144);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const dst = c + (<usize>(i * ldc + j) << 3);
      store<f64>(dst, load<f64>(dst) + load<f64>(s + (<usize>(i * 4 + j) << 3)));
    }
  }
}

function packA64(a: usize, rs: i32, cs: i32, ic: i32, pc: i32, mc: i32, kc: i32, out: usize): void {
  let o = out;
  for (let ir = 0; ir < mc; ir += 5) {
    const rows = min(5, mc - ir);
    const base = (ic + ir) * rs + pc * cs;
    if (rows == 5) {
      for (let p = 0; p < kc; p++) {
        const q = a + (<usize>(base + p * cs) << 3);
        const st = <usize>rs << 3;
        store<f64>(o, load<f64>(q + 0 * st), 0);
        store<f64>(o, load<f64>(q + 1 * st), 8);
        store<f64>(o, load<f64>(q + 2 * st), 16);
        store<f64>(o, load<f64>(q + 3 * st), 24);
        store<f64>(o, load<f64>(q + 4 * st), 32);
        o += 40;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < 5; r++) {
          store<f64>(o + (<usize>r << 3), r < rows ? load<f64>(a + (<usize>(base + r * rs + p * cs) << 3)) : <f64>0);
        }
        o += 40;
      }
    }
  }
}
function packB64(b: usize, rs: i32, cs: i32, pc: i32, jc: i32, kc: i32, nc: i32, out: usize): void {
  let o = out;
  for (let jr = 0; jr < nc; jr += 4) {
    const cols = min(4, nc - jr);
    const base = pc * rs + (jc + jr) * cs;
    if (cols == 4 && cs == 1) {
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>(base + p * rs) << 3);
        v128.store(o, v128.load(src, 0), 0);
        v128.store(o, v128.load(src, 16), 16);
        o += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const q = base + p * rs;
        for (let c = 0; c < 4; c++) {
          store<f64>(o + (<usize>c << 3), c < cols ? load<f64>(b + (<usize>(q + c * cs) << 3)) : <f64>0);
        }
        o += 32;
      }
    }
  }
}
export function gemmF64(
  m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, c: usize, ldc: i32, pa: usize, pb: usize, upper: i32, colOff: i32,
): void {
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB64(b, rsB, csB, pc, jc, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (upper && ic >= jc + nc + colOff) continue;
        packA64(a, rsA, csA, ic, pc, mc, kc, pa);
        for (let jr = 0; jr < nc; jr += 4) {
          const nr = min(4, nc - jr);
          for (let ir = 0; ir < mc; ir += 5) {
            if (upper && ic + ir >= jc + jr + 4 + colOff) continue;
            const mr = min(5, mc - ir);
            micro64(kc, pa + (<usize>(ir * kc) << 3), pb + (<usize>(jr * kc) << 3),
              c + (<usize>((ic + ir) * ldc + jc + jr) << 3), ldc, mr, nr);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- float32: 5 x 8 tile
// The same register budget in float32 lanes: 5 rows by 8 columns (measured at 512^3: 34.7 ->
// 45.2 GFLOP/s over 4 x 8; tfjs-backend-wasm's XNNPACK kernel 34 in the same process).
function micro32(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, mr: i32, nr: i32): void {
  let c0_0 = f32x4.splat(0);
  let c0_1 = f32x4.splat(0);
  let c1_0 = f32x4.splat(0);
  let c1_1 = f32x4.splat(0);
  let c2_0 = f32x4.splat(0);
  let c2_1 = f32x4.splat(0);
  let c3_0 = f32x4.splat(0);
  let c3_1 = f32x4.splat(0);
  let c4_0 = f32x4.splat(0);
  let c4_1 = f32x4.splat(0);
  let ia = pa;
  let ib = pb;
  let p = 0;
  for (; p < kc; p++) {
    const b0_0 = v128.load(ib, 0);
    const b1_0 = v128.load(ib, 16);
    const a0_0 = v128.load32_splat(ia, 0);
    c0_0 = madd32(a0_0, b0_0, c0_0);
    c0_1 = madd32(a0_0, b1_0, c0_1);
    const a1_0 = v128.load32_splat(ia, 4);
    c1_0 = madd32(a1_0, b0_0, c1_0);
    c1_1 = madd32(a1_0, b1_0, c1_1);
    const a2_0 = v128.load32_splat(ia, 8);
    c2_0 = madd32(a2_0, b0_0, c2_0);
    c2_1 = madd32(a2_0, b1_0, c2_1);
    const a3_0 = v128.load32_splat(ia, 12);
    c3_0 = madd32(a3_0, b0_0, c3_0);
    c3_1 = madd32(a3_0, b1_0, c3_1);
    const a4_0 = v128.load32_splat(ia, 16);
    c4_0 = madd32(a4_0, b0_0, c4_0);
    c4_1 = madd32(a4_0, b1_0, c4_1);
    ia += 20;
    ib += 32;
  }
  const ld = <usize>ldc << 2;
  if (mr == 5 && nr == 8) {
    let r = c;
    v128.store(r, f32x4.add(v128.load(r, 0), c0_0), 0);
    v128.store(r, f32x4.add(v128.load(r, 16), c0_1), 16);
    r += ld;
    v128.store(r, f32x4.add(v128.load(r, 0), c1_0), 0);
    v128.store(r, f32x4.add(v128.load(r, 16), c1_1), 16);
    r += ld;
    v128.store(r, f32x4.add(v128.load(r, 0), c2_0), 0);
    v128.store(r, f32x4.add(v128.load(r, 16), c2_1), 16);
    r += ld;
    v128.store(r, f32x4.add(v128.load(r, 0), c3_0), 0);
    v128.store(r, f32x4.add(v128.load(r, 16), c3_1), 16);
    r += ld;
    v128.store(r, f32x4.add(v128.load(r, 0), c4_0), 0);
    v128.store(r, f32x4.add(v128.load(r, 16), c4_1), 16);
    return;
  }
  const s = scratch;
  v128.store(s, c0_0, 0);
  v128.store(s, c0_1, 16);
  v128.store(s, c1_0, 32);
  v128.store(s, c1_1, 48);
  v128.store(s, c2_0, 64);
  v128.store(s, c2_1, 80);
  v128.store(s, c3_0, 96);
  v128.store(s, c3_1, 112);
  v128.store(s, c4_0, 128);
  v128.store(s, c4_1, 144);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const dst = c + (<usize>(i * ldc + j) << 2);
      store<f32>(dst, load<f32>(dst) + load<f32>(s + (<usize>(i * 8 + j) << 2)));
    }
  }
}

function packA32(a: usize, rs: i32, cs: i32, ic: i32, pc: i32, mc: i32, kc: i32, out: usize): void {
  let o = out;
  for (let ir = 0; ir < mc; ir += 5) {
    const rows = min(5, mc - ir);
    const base = (ic + ir) * rs + pc * cs;
    if (rows == 5) {
      for (let p = 0; p < kc; p++) {
        const q = a + (<usize>(base + p * cs) << 2);
        const st = <usize>rs << 2;
        store<f32>(o, load<f32>(q + 0 * st), 0);
        store<f32>(o, load<f32>(q + 1 * st), 4);
        store<f32>(o, load<f32>(q + 2 * st), 8);
        store<f32>(o, load<f32>(q + 3 * st), 12);
        store<f32>(o, load<f32>(q + 4 * st), 16);
        o += 20;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < 5; r++) {
          store<f32>(o + (<usize>r << 2), r < rows ? load<f32>(a + (<usize>(base + r * rs + p * cs) << 2)) : <f32>0);
        }
        o += 20;
      }
    }
  }
}
function packB32(b: usize, rs: i32, cs: i32, pc: i32, jc: i32, kc: i32, nc: i32, out: usize): void {
  let o = out;
  for (let jr = 0; jr < nc; jr += 8) {
    const cols = min(8, nc - jr);
    const base = pc * rs + (jc + jr) * cs;
    if (cols == 8 && cs == 1) {
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>(base + p * rs) << 2);
        v128.store(o, v128.load(src, 0), 0);
        v128.store(o, v128.load(src, 16), 16);
        o += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const q = base + p * rs;
        for (let c = 0; c < 8; c++) {
          store<f32>(o + (<usize>c << 2), c < cols ? load<f32>(b + (<usize>(q + c * cs) << 2)) : <f32>0);
        }
        o += 32;
      }
    }
  }
}
export function gemmF32(
  m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, c: usize, ldc: i32, pa: usize, pb: usize, upper: i32, colOff: i32,
): void {
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB32(b, rsB, csB, pc, jc, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (upper && ic >= jc + nc + colOff) continue;
        packA32(a, rsA, csA, ic, pc, mc, kc, pa);
        for (let jr = 0; jr < nc; jr += 8) {
          const nr = min(8, nc - jr);
          for (let ir = 0; ir < mc; ir += 5) {
            if (upper && ic + ir >= jc + jr + 8 + colOff) continue;
            const mr = min(5, mc - ir);
            micro32(kc, pa + (<usize>(ir * kc) << 2), pb + (<usize>(jr * kc) << 2),
              c + (<usize>((ic + ir) * ldc + jc + jr) << 2), ldc, mr, nr);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- elementwise (float64)
// op: 0 add, 1 sub, 2 hadamard, 3 axpy (alpha x + y), 4 scale (alpha x)
export function elementwiseF64(op: i32, n: i32, x: usize, y: usize, out: usize, alpha: f64): void {
  const n2 = n & ~1;
  const va = f64x2.splat(alpha);
  for (let i = 0; i < n2; i += 2) {
    const off = <usize>i << 3;
    const u = v128.load(x + off);
    let r: v128;
    if (op == 4) {
      r = f64x2.mul(va, u);
    } else {
      const v = v128.load(y + off);
      if (op == 0) r = f64x2.add(u, v);
      else if (op == 1) r = f64x2.sub(u, v);
      else if (op == 2) r = f64x2.mul(u, v);
      else r = f64x2.add(f64x2.mul(va, u), v);
    }
    v128.store(out + off, r);
  }
  for (let i = n2; i < n; i++) {
    const off = <usize>i << 3;
    const u = load<f64>(x + off);
    let r: f64;
    if (op == 4) r = alpha * u;
    else {
      const v = load<f64>(y + off);
      if (op == 0) r = u + v;
      else if (op == 1) r = u - v;
      else if (op == 2) r = u * v;
      else r = alpha * u + v;
    }
    store<f64>(out + off, r);
  }
}

// ---------------------------------------------------------------- reductions (float64)
export function sumF64(n: i32, x: usize): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const off = <usize>i << 3;
    s0 = f64x2.add(s0, v128.load(x + off));
    s1 = f64x2.add(s1, v128.load(x + off + 16));
  }
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0) + (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
  for (let i = n4; i < n; i++) s += load<f64>(x + (<usize>i << 3));
  return s;
}

export function dotF64(n: i32, x: usize, y: usize): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const off = <usize>i << 3;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(x + off), v128.load(y + off)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(x + off + 16), v128.load(y + off + 16)));
  }
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s1, 0) + (f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 1));
  for (let i = n4; i < n; i++) {
    const off = <usize>i << 3;
    s += load<f64>(x + off) * load<f64>(y + off);
  }
  return s;
}

// ---------------------------------------------------------------- level 2 (float64)
// Matrix-vector kernels for the level-2 halves of blocked factorizations, which keep their
// matrix in linear memory for the whole factorization. x and y are contiguous.

/** y[0..m) += A x, A m x n at `a` with element (i, j) at a[i * rs + j * cs]. */
export function gemvF64(m: i32, n: i32, a: usize, rs: i32, cs: i32, x: usize, y: usize): void {
  if (m <= 0 || n <= 0) return;
  if (cs == 1) {
    // Rows are contiguous: four row dot products per sweep share the loads of x.
    const n2 = n & ~1;
    const ld = <usize>rs << 3;
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const r0 = a + (<usize>(i * rs) << 3);
      const r1 = r0 + ld;
      const r2 = r1 + ld;
      const r3 = r2 + ld;
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
      for (let j = 0; j < n2; j += 2) {
        const o = <usize>j << 3;
        const xv = v128.load(x + o);
        s0 = f64x2.add(s0, f64x2.mul(v128.load(r0 + o), xv));
        s1 = f64x2.add(s1, f64x2.mul(v128.load(r1 + o), xv));
        s2 = f64x2.add(s2, f64x2.mul(v128.load(r2 + o), xv));
        s3 = f64x2.add(s3, f64x2.mul(v128.load(r3 + o), xv));
      }
      let t0 = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
      let t1 = f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
      let t2 = f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1);
      let t3 = f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1);
      if (n2 < n) {
        const o = <usize>n2 << 3;
        const xl = load<f64>(x + o);
        t0 += load<f64>(r0 + o) * xl;
        t1 += load<f64>(r1 + o) * xl;
        t2 += load<f64>(r2 + o) * xl;
        t3 += load<f64>(r3 + o) * xl;
      }
      const yo = y + (<usize>i << 3);
      store<f64>(yo, load<f64>(yo) + t0);
      store<f64>(yo + 8, load<f64>(yo + 8) + t1);
      store<f64>(yo + 16, load<f64>(yo + 16) + t2);
      store<f64>(yo + 24, load<f64>(yo + 24) + t3);
    }
    for (; i < m; i++) {
      const r0 = a + (<usize>(i * rs) << 3);
      let s0 = f64x2.splat(0);
      for (let j = 0; j < n2; j += 2) {
        const o = <usize>j << 3;
        s0 = f64x2.add(s0, f64x2.mul(v128.load(r0 + o), v128.load(x + o)));
      }
      let t0 = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
      if (n2 < n) t0 += load<f64>(r0 + (<usize>n2 << 3)) * load<f64>(x + (<usize>n2 << 3));
      const yo = y + (<usize>i << 3);
      store<f64>(yo, load<f64>(yo) + t0);
    }
    return;
  }
  if (rs == 1) {
    // Columns are contiguous: y += A[:, j] x_j, four columns per sweep over y.
    const m2 = m & ~1;
    const ld = <usize>cs << 3;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const c0 = a + (<usize>(j * cs) << 3);
      const c1 = c0 + ld;
      const c2 = c1 + ld;
      const c3 = c2 + ld;
      const xo = x + (<usize>j << 3);
      const x0 = load<f64>(xo), x1 = load<f64>(xo + 8), x2 = load<f64>(xo + 16), x3 = load<f64>(xo + 24);
      const v0 = f64x2.splat(x0), v1 = f64x2.splat(x1), v2 = f64x2.splat(x2), v3 = f64x2.splat(x3);
      for (let i = 0; i < m2; i += 2) {
        const o = <usize>i << 3;
        let acc = v128.load(y + o);
        acc = f64x2.add(acc, f64x2.mul(v128.load(c0 + o), v0));
        acc = f64x2.add(acc, f64x2.mul(v128.load(c1 + o), v1));
        acc = f64x2.add(acc, f64x2.mul(v128.load(c2 + o), v2));
        acc = f64x2.add(acc, f64x2.mul(v128.load(c3 + o), v3));
        v128.store(y + o, acc);
      }
      if (m2 < m) {
        const o = <usize>m2 << 3;
        store<f64>(y + o, load<f64>(y + o) + load<f64>(c0 + o) * x0 + load<f64>(c1 + o) * x1 + load<f64>(c2 + o) * x2 + load<f64>(c3 + o) * x3);
      }
    }
    for (; j < n; j++) {
      const c0 = a + (<usize>(j * cs) << 3);
      const x0 = load<f64>(x + (<usize>j << 3));
      const v0 = f64x2.splat(x0);
      for (let i = 0; i < m2; i += 2) {
        const o = <usize>i << 3;
        v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(v128.load(c0 + o), v0)));
      }
      if (m2 < m) {
        const o = <usize>m2 << 3;
        store<f64>(y + o, load<f64>(y + o) + load<f64>(c0 + o) * x0);
      }
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    let s = 0.0;
    for (let j = 0; j < n; j++) s += at64(a, i * rs + j * cs) * load<f64>(x + (<usize>j << 3));
    const yo = y + (<usize>i << 3);
    store<f64>(yo, load<f64>(yo) + s);
  }
}

/**
 * y[0..n) += A x for symmetric A (n x n at `a`, row stride lda) read from its upper triangle
 * only. Four rows per sweep (then two, then one): each loaded element serves a row dot product
 * and a column axpy, and each load and store of x and y serves four rows.
 */
export function symvUpperF64(n: i32, a: usize, lda: i32, x: usize, y: usize): void {
  const ld = <usize>lda << 3;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const q0 = a + (<usize>(i * lda + i) << 3); // &A[i, i]
    const q1 = q0 + ld;
    const q2 = q1 + ld;
    const q3 = q2 + ld;
    const xo = x + (<usize>i << 3);
    const yo = y + (<usize>i << 3);
    const v0 = load<f64>(xo), v1 = load<f64>(xo + 8), v2 = load<f64>(xo + 16), v3 = load<f64>(xo + 24);
    // The 4 x 4 diagonal block (upper triangle): A[i+r, i+c] for c >= r.
    const a01 = load<f64>(q0 + 8), a02 = load<f64>(q0 + 16), a03 = load<f64>(q0 + 24);
    const a12 = load<f64>(q1 + 16), a13 = load<f64>(q1 + 24);
    const a23 = load<f64>(q2 + 24);
    let t0 = load<f64>(q0) * v0 + a01 * v1 + a02 * v2 + a03 * v3;
    let t1 = a01 * v0 + load<f64>(q1 + 8) * v1 + a12 * v2 + a13 * v3;
    let t2 = a02 * v0 + a12 * v1 + load<f64>(q2 + 16) * v2 + a23 * v3;
    let t3 = a03 * v0 + a13 * v1 + a23 * v2 + load<f64>(q3 + 24) * v3;
    // Columns c = i+4 .. n-1 of the four rows.
    const len = n - i - 4;
    const len2 = len & ~1;
    const p0 = q0 + 32, p1 = q1 + 32, p2 = q2 + 32, p3 = q3 + 32;
    const px = xo + 32;
    const py = yo + 32;
    const w0 = f64x2.splat(v0), w1 = f64x2.splat(v1), w2 = f64x2.splat(v2), w3 = f64x2.splat(v3);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    for (let c = 0; c < len2; c += 2) {
      const o = <usize>c << 3;
      const e0 = v128.load(p0 + o);
      const e1 = v128.load(p1 + o);
      const e2 = v128.load(p2 + o);
      const e3 = v128.load(p3 + o);
      const xc = v128.load(px + o);
      s0 = f64x2.add(s0, f64x2.mul(e0, xc));
      s1 = f64x2.add(s1, f64x2.mul(e1, xc));
      s2 = f64x2.add(s2, f64x2.mul(e2, xc));
      s3 = f64x2.add(s3, f64x2.mul(e3, xc));
      const u = f64x2.add(f64x2.mul(e0, w0), f64x2.mul(e1, w1));
      const v = f64x2.add(f64x2.mul(e2, w2), f64x2.mul(e3, w3));
      v128.store(py + o, f64x2.add(v128.load(py + o), f64x2.add(u, v)));
    }
    t0 += f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    t1 += f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
    t2 += f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1);
    t3 += f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1);
    if (len2 < len) {
      const o = <usize>len2 << 3;
      const e0 = load<f64>(p0 + o), e1 = load<f64>(p1 + o), e2 = load<f64>(p2 + o), e3 = load<f64>(p3 + o);
      const xc = load<f64>(px + o);
      t0 += e0 * xc;
      t1 += e1 * xc;
      t2 += e2 * xc;
      t3 += e3 * xc;
      store<f64>(py + o, load<f64>(py + o) + (e0 * v0 + e1 * v1 + (e2 * v2 + e3 * v3)));
    }
    store<f64>(yo, load<f64>(yo) + t0);
    store<f64>(yo + 8, load<f64>(yo + 8) + t1);
    store<f64>(yo + 16, load<f64>(yo + 16) + t2);
    store<f64>(yo + 24, load<f64>(yo + 24) + t3);
  }
  for (; i + 1 < n; i += 2) {
    const r0 = a + (<usize>(i * lda + i) << 3); // &A[i, i]
    const r1 = r0 + ld + 8; // &A[i+1, i+1]
    const xo = x + (<usize>i << 3);
    const v0 = load<f64>(xo);
    const v1 = load<f64>(xo + 8);
    const a01 = load<f64>(r0 + 8);
    let t0 = load<f64>(r0) * v0 + a01 * v1;
    let t1 = load<f64>(r1) * v1;
    const yo = y + (<usize>i << 3);
    store<f64>(yo + 8, load<f64>(yo + 8) + a01 * v0);
    // Columns c = i+2 .. n-1: row i at r0 + 16, row i+1 at r1 + 8.
    const len = n - i - 2;
    const len2 = len & ~1;
    const p0 = r0 + 16;
    const p1 = r1 + 8;
    const px = xo + 16;
    const py = yo + 16;
    const w0 = f64x2.splat(v0);
    const w1 = f64x2.splat(v1);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    for (let c = 0; c < len2; c += 2) {
      const o = <usize>c << 3;
      const a0 = v128.load(p0 + o);
      const a1 = v128.load(p1 + o);
      const xc = v128.load(px + o);
      s0 = f64x2.add(s0, f64x2.mul(a0, xc));
      s1 = f64x2.add(s1, f64x2.mul(a1, xc));
      v128.store(py + o, f64x2.add(v128.load(py + o), f64x2.add(f64x2.mul(a0, w0), f64x2.mul(a1, w1))));
    }
    t0 += f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    t1 += f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
    if (len2 < len) {
      const o = <usize>len2 << 3;
      const a0 = load<f64>(p0 + o);
      const a1 = load<f64>(p1 + o);
      const xc = load<f64>(px + o);
      t0 += a0 * xc;
      t1 += a1 * xc;
      store<f64>(py + o, load<f64>(py + o) + a0 * v0 + a1 * v1);
    }
    store<f64>(yo, load<f64>(yo) + t0);
    store<f64>(yo + 8, load<f64>(yo + 8) + t1);
  }
  if (i < n) {
    const yo = y + (<usize>i << 3);
    store<f64>(yo, load<f64>(yo) + load<f64>(a + (<usize>(i * lda + i) << 3)) * load<f64>(x + (<usize>i << 3)));
  }
}

// Kernels in files of their own.
export { secularSumsF64 } from './secular';
