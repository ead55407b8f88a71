import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bf16ToNumber, type Dtype, f16ToNumber, numberToBf16, numberToF16, readSafetensors, type TensorToWrite, writeSafetensors } from '../src/index';

const DTYPES: Dtype[] = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'];

/** Values exactly representable in the dtype, so a round trip must give them back unchanged. */
function valueArb(dtype: Dtype): fc.Arbitrary<number | bigint> {
  switch (dtype) {
    case 'F64':
      return fc.double({ noNaN: true });
    case 'F32':
      return fc.float({ noNaN: true }).map((v) => v);
    case 'F16':
      return fc.integer({ min: 0, max: 0xffff }).map(f16ToNumber).filter((v) => !Number.isNaN(v));
    case 'BF16':
      return fc.integer({ min: 0, max: 0xffff }).map(bf16ToNumber).filter((v) => !Number.isNaN(v));
    case 'I64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'I32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'I16':
      return fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 });
    case 'I8':
      return fc.integer({ min: -128, max: 127 });
    case 'U8':
      return fc.integer({ min: 0, max: 255 });
    case 'BOOL':
      return fc.integer({ min: 0, max: 1 });
  }
}

const tensorArb = fc
  .record({ dtype: fc.constantFrom(...DTYPES), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) })
  .chain(({ dtype, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc.array(valueArb(dtype), { minLength: size, maxLength: size }).map((data) => ({ dtype, shape, data }) as TensorToWrite);
  });

describe('round trips', () => {
  it('write -> read gives back every tensor, dtype, shape and the metadata (any names, any dtypes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__metadata__'), tensorArb, { maxKeys: 6 }),
        fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
        async (tensors, metadata) => {
          const bytes = writeSafetensors(tensors, metadata);
          const r = await readSafetensors(bytes);
          expect(r.metadata).toEqual(metadata);
          expect([...r.names].sort()).toEqual(Object.keys(tensors).sort());
          for (const [name, t] of Object.entries(tensors)) {
            const got = await r.tensor(name);
            expect(got.dtype).toBe(t.dtype);
            expect(got.shape).toEqual(t.shape);
            const want = Array.from(t.data as ArrayLike<number | bigint>);
            if (t.dtype === 'I64') expect(Array.from(got.data as BigInt64Array)).toEqual(want);
            else expect(Array.from((await r.float64(name)).data)).toEqual(want.map(Number));
          }
          // Deterministic: the same tensors in another insertion order give the same bytes.
          const reversed = Object.fromEntries(Object.entries(tensors).reverse());
          expect(writeSafetensors(reversed, metadata)).toEqual(bytes);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('F16/BF16 encoding returns the nearest representable value, ties to the even one', () => {
    const check = (v: number, enc: (v: number) => number, dec: (h: number) => number) => {
      const h = enc(v);
      const got = dec(h);
      if (!Number.isFinite(got)) return; // overflow, checked against numpy in read-write.test.ts
      // Neighbours of the result (next up/down in magnitude) must not be strictly closer.
      for (const n of [h + 1, h - 1]) {
        if ((n & 0x7fff) === 0x7fff || n < 0 || (n & 0x8000) !== (h & 0x8000)) continue;
        const other = dec(n);
        if (!Number.isFinite(other)) continue;
        const dGot = Math.abs(got - v);
        const dOther = Math.abs(other - v);
        expect(dGot <= dOther).toBe(true);
        if (dGot === dOther) expect(h & 1).toBe(0);
      }
    };
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -70000, max: 70000 }), (v) => check(v, numberToF16, f16ToNumber)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -3e38, max: 3e38 }), (v) => check(v, numberToBf16, bf16ToNumber)),
      { numRuns: 2000 },
    );
  });
});
