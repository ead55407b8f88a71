import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError, decodeArray, encodeArray } from '../src';

function sameBits(a: Float64Array | Int32Array, b: Float64Array | Int32Array): boolean {
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.every((v, i) => v === y[i]);
}

describe('encodeArray / decodeArray', () => {
  it('round-trips float64 bit-exactly through JSON text: -0, NaN payloads, subnormals, infinities', () => {
    const bytes = new Uint8Array(8 * 6);
    const view = new DataView(bytes.buffer);
    view.setFloat64(0, -0, true);
    view.setUint32(8, 0x00000001, true); // a NaN with a non-default payload
    view.setUint32(12, 0x7ff80000 | 0x1234, true);
    view.setFloat64(16, Number.MIN_VALUE, true);
    view.setFloat64(24, -Infinity, true);
    view.setFloat64(32, Math.PI, true);
    view.setFloat64(40, 1e308, true);
    const x = new Float64Array(bytes.buffer);
    const back = decodeArray('t', JSON.parse(JSON.stringify(encodeArray(x))));
    expect(sameBits(back, x)).toBe(true);
  });

  it('round-trips any float64 and int32 array (property)', () => {
    fc.assert(
      fc.property(fc.float64Array({ maxLength: 40 }), fc.int32Array({ maxLength: 40 }), (f, i) => {
        const bf = decodeArray('t', JSON.parse(JSON.stringify(encodeArray(f))));
        const bi = decodeArray('t', JSON.parse(JSON.stringify(encodeArray(i))));
        return sameBits(bf, f) && sameBits(bi, i);
      }),
    );
  });

  it('encodes every length mod 3 (base64 padding) and the empty array', () => {
    for (let n = 0; n < 7; n++) {
      const x = Float64Array.from({ length: n }, (_, k) => k - 2.5);
      expect(Array.from(decodeArray('t', encodeArray(x)))).toEqual(Array.from(x));
    }
  });

  it('rejects what is not an encoded array, naming the caller', () => {
    const good = encodeArray(new Float64Array([1, 2, 3]));
    const bad: unknown[] = [
      null,
      [1, 2, 3],
      { ...good, dtype: 'f32' },
      { ...good, length: 2 },
      { ...good, length: -1 },
      { ...good, length: 1.5 },
      { ...good, b64: good.b64.slice(0, -4) },
      { ...good, b64: `${good.b64.slice(0, -1)}!` },
      { ...good, b64: good.b64.slice(0, -1) },
    ];
    for (const b of bad) {
      expect(() => decodeArray('Thing.fromJSON', b)).toThrow(DomainError);
      expect(() => decodeArray('Thing.fromJSON', b)).toThrow(/Thing\.fromJSON/);
    }
  });
});
