import { afterAll, describe, expect, it } from 'vitest';
import { astype, createDevice, type Device, DomainError, disableWasm, enableWasm, gemmAccumulate, gram, type Matrix, matmul, randn } from '../src';
import { naiveMatmul } from './helpers';
import { relFro } from '@x/test-utils';

afterAll(() => disableWasm());

// Sizes on both sides of every tile and block edge of the wasm kernels: the micro-tiles are 5
// rows by 4 (float64) or 8 (float32) columns, A blocks MC = 95 rows, k blocks KC = 256.
const MS = [1, 4, 5, 6, 11, 95, 96];
const NS = [1, 3, 4, 5, 8, 9, 17];
const KS = [1, 17, 256, 257];

// The standard componentwise bound for a sum of k products, |fl(AB) - AB| <= gamma_k |A||B| with
// gamma_k ~ k u (u = 2^-53 for float64, 2^-24 for float32 accumulation; float32 inputs are exact
// in float64, so the float64 reference is exact to float64 rounding). Taken with a factor 2.
function check(what: string, c: Matrix, a: Matrix, b: Matrix, transA: boolean, transB: boolean, k: number): void {
  const ref = naiveMatmul(a, b, transA, transB);
  const abs = (x: Matrix): Matrix => ({ rows: x.rows, cols: x.cols, data: Float64Array.from(x.data, Math.abs) });
  const scale = naiveMatmul(abs(a), abs(b), transA, transB);
  const u = c.data instanceof Float32Array ? 2 ** -24 : 2 ** -53;
  for (let i = 0; i < ref.data.length; i++) {
    const err = Math.abs(c.data[i]! - ref.data[i]!);
    if (!(err <= 2 * k * u * scale.data[i]!)) throw new Error(`${what}: entry ${i} is off by ${err}, more than 2 k u (|A||B|)_ij = ${2 * k * u * scale.data[i]!}`);
  }
}

function operands(m: number, k: number, n: number, transA: boolean, transB: boolean, seed: number, dtype: 'float64' | 'float32'): [Matrix, Matrix] {
  const a = transA ? randn(k, m, seed) : randn(m, k, seed);
  const b = transB ? randn(n, k, seed + 1) : randn(k, n, seed + 1);
  return dtype === 'float64' ? [a, b] : [astype(a, 'float32'), astype(b, 'float32')];
}

describe('GEMM at every tile and block edge', () => {
  let dev: Device;
  const routes = {
    default: (a: Matrix, b: Matrix, o: { transA: boolean; transB: boolean }) => matmul(a, b, o),
    wasm: (a: Matrix, b: Matrix, o: { transA: boolean; transB: boolean }) => matmul(a, b, { ...o, backend: 'wasm' }),
  };

  for (const dtype of ['float64', 'float32'] as const) {
    for (const [route, mm] of Object.entries(routes)) {
      it(`${dtype}, ${route} route: odd m, n, k on both sides of the 5-row, ${dtype === 'float64' ? 4 : 8}-column, MC and KC edges`, () => {
        let seed = 1;
        for (const m of MS) {
          for (const n of NS) {
            for (const k of KS) {
              const transA = seed % 2 === 0;
              const transB = seed % 3 === 0;
              const [a, b] = operands(m, k, n, transA, transB, seed++, dtype);
              const c = mm(a, b, { transA, transB });
              expect(c.data).toBeInstanceOf(dtype === 'float64' ? Float64Array : Float32Array);
              check(`${m}x${k} * ${k}x${n} (transA ${transA}, transB ${transB})`, c, a, b, transA, transB, k);
            }
          }
        }
      });
    }

    it(`${dtype}, wasm device route: the same edge shapes`, async () => {
      dev ??= await createDevice({ backend: 'wasm' });
      let seed = 7;
      for (const m of MS) {
        for (const n of NS) {
          for (const k of KS) {
            const transA = seed % 2 === 1;
            const transB = seed % 3 === 1;
            const [a, b] = operands(m, k, n, transA, transB, seed++, dtype);
            const c = await dev.matmul(a, b, { transA, transB });
            expect(c.data).toBeInstanceOf(dtype === 'float64' ? Float64Array : Float32Array);
            check(`device ${m}x${k} * ${k}x${n} (transA ${transA}, transB ${transB})`, c, a, b, transA, transB, k);
          }
        }
      }
    });
  }

  it('float64 on the plain wasm build is bit-identical to the js kernel at every edge shape (matmul and gram)', async () => {
    await enableWasm({ fma: false });
    let seed = 11;
    for (const m of MS) {
      for (const n of NS) {
        for (const k of KS) {
          const transA = seed % 2 === 0;
          const transB = seed % 5 === 0;
          const [a, b] = operands(m, k, n, transA, transB, seed++, 'float64');
          const o = { transA, transB };
          expect(matmul(a, b, { ...o, backend: 'wasm' }).data).toEqual(matmul(a, b, { ...o, backend: 'js' }).data);
        }
        const g = randn(m, n, seed++);
        expect(gram(g, { backend: 'wasm' }).data).toEqual(gram(g, { backend: 'js' }).data);
        expect(gram(g, { outer: true, backend: 'wasm' }).data).toEqual(gram(g, { outer: true, backend: 'js' }).data);
      }
    }
  });
});

describe('outputs on the wasm route', () => {
  it('out is overwritten whatever it held (NaN included), in both precisions', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const [a, b] = operands(23, 40, 13, false, true, 5, dtype);
      const out: Matrix = { rows: 23, cols: 13, data: dtype === 'float64' ? new Float64Array(23 * 13).fill(Number.NaN) : new Float32Array(23 * 13).fill(Number.NaN) };
      matmul(a, b, { transB: true, out, backend: 'wasm' });
      expect(out.data).toEqual(matmul(a, b, { transB: true, backend: 'wasm' }).data);
      // accumulate still adds into what out holds.
      matmul(a, b, { transB: true, out, accumulate: true, backend: 'wasm' });
      const twice = matmul(a, b, { transB: true, backend: 'wasm' }).data.map((x) => 2 * x);
      expect(relFro(out, { rows: 23, cols: 13, data: twice })).toBeLessThan(dtype === 'float64' ? 1e-15 : 1e-6);
    }
  });

  it('gemmAccumulate keeps the entries between the rows of a strided C (ldc > n)', () => {
    const a = randn(7, 30, 1);
    const b = randn(30, 6, 2);
    const ldc = 9;
    const c = new Float64Array(6 * ldc + 6).fill(1);
    gemmAccumulate(7, 6, 30, { data: a.data, off: 0, rs: 30, cs: 1 }, { data: b.data, off: 0, rs: 6, cs: 1 }, c, ldc, false, 'wasm');
    const ref = naiveMatmul(a, b);
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < ldc && i * ldc + j < c.length; j++) {
        const want = j < 6 ? 1 + ref.data[i * 6 + j]! : 1;
        expect(Math.abs(c[i * ldc + j]! - want)).toBeLessThan(1e-12);
      }
    }
  });

  it('a bad backend is a DomainError naming the function called', () => {
    const a = randn(3, 3, 1);
    expect(() => matmul(a, a, { backend: 'gpu' as never })).toThrow(DomainError);
    expect(() => matmul(a, a, { backend: 'gpu' as never })).toThrow(/^matmul: backend/);
    expect(() => gram(a, { backend: 'gpu' as never })).toThrow(/^gram: backend/);
  });
});
