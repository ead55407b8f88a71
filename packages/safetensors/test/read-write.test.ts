import { describe, expect, it } from 'vitest';
import {
  bf16ToNumber,
  type ByteSource,
  bytesSource,
  type Dtype,
  f16ToNumber,
  numberToBf16,
  numberToF16,
  readSafetensors,
  SafetensorsError,
  type TensorToWrite,
  writeSafetensors,
} from '../src/index';
import { num } from './helpers';
import { fixtureBytes, loadFixture } from '@x/test-utils';

interface Expected {
  metadata: Record<string, string>;
  order: string[];
  tensors: Record<string, { dtype: Dtype; shape: number[]; values: (number | string)[] }>;
  f16: { source: (number | string)[]; bits: number[] };
  bf16: { source: (number | string)[]; bits: number[] };
}
const expected = loadFixture<Expected>(import.meta.url, 'dtypes-decoded.json');
const file = fixtureBytes(import.meta.url, 'dtypes.safetensors');

describe('readSafetensors on the numpy-written file', () => {
  it('parses metadata, names in data order, shapes and offsets', async () => {
    const r = await readSafetensors(file);
    expect(r.metadata).toEqual(expected.metadata);
    expect(r.names).toEqual(expected.order);
    expect(r.headerLength % 8).toBe(0);
    for (const [name, t] of Object.entries(expected.tensors)) {
      const info = r.info(name);
      expect(info.dtype).toBe(t.dtype);
      expect(info.shape).toEqual(t.shape);
      expect(info.byteLength).toBe(info.dataOffsets[1] - info.dataOffsets[0]);
    }
    expect(r.info('scalar').size).toBe(1);
    expect(r.info('empty').size).toBe(0);
  });

  it('decodes every dtype exactly (float64), native arrays keep their element type', async () => {
    const r = await readSafetensors(file);
    for (const [name, t] of Object.entries(expected.tensors)) {
      if (name === 'i64') continue; // holds values beyond 2^53, checked below
      const got = await r.float64(name);
      const want = t.values.map(num);
      expect(Array.from(got.data), name).toEqual(want);
    }
    expect((await r.tensor('bf16')).data).toBeInstanceOf(Uint16Array);
    expect((await r.tensor('i64')).data).toBeInstanceOf(BigInt64Array);
    expect((await r.tensor('bool')).data).toBeInstanceOf(Uint8Array);
    expect((await r.tensor('i8')).data).toBeInstanceOf(Int8Array);
    expect(Array.from((await r.tensor('i64')).data as BigInt64Array, String)).toEqual(expected.tensors.i64!.values);
  });

  it('float32 decoding equals the float64 decoding rounded once (BF16/F16 exactly)', async () => {
    const r = await readSafetensors(file);
    for (const name of ['bf16', 'f16', 'f32', 'f64', 'i16', 'u8', 'bool']) {
      const a = await r.float32(name);
      const b = await r.float64(name);
      expect(a.data).toBeInstanceOf(Float32Array);
      expect(Array.from(a.data), name).toEqual(Array.from(b.data, Math.fround));
    }
  });

  it('I64: the checked conversion refuses values past 2^53 and converts safe ones', async () => {
    const r = await readSafetensors(file);
    await expect(r.float64('i64')).rejects.toMatchObject({ code: 'OUT_OF_RANGE', tensor: 'i64' });
    await expect(r.int64AsNumbers('i64')).rejects.toBeInstanceOf(SafetensorsError);
    expect(Array.from((await r.int64AsNumbers('i64_safe')).data)).toEqual([3, -4, 2 ** 53 - 1, 0]);
    await expect(r.int64AsNumbers('f32')).rejects.toMatchObject({ code: 'INVALID_TENSOR' });
  });

  it('unknown names are NOT_FOUND; has() tells', async () => {
    const r = await readSafetensors(file);
    expect(r.has('f32')).toBe(true);
    expect(r.has('nope')).toBe(false);
    await expect(r.bytes('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads a Blob with the same results, slicing only what it is asked for', async () => {
    const sliced: number[] = [];
    class CountingBlob extends Blob {
      override slice(start?: number, end?: number, type?: string): Blob {
        sliced.push((end ?? this.size) - (start ?? 0));
        return super.slice(start, end, type);
      }
    }
    const r = await readSafetensors(new CountingBlob([file as Uint8Array<ArrayBuffer>]));
    expect(sliced).toEqual([8, r.headerLength]);
    const got = await r.float64('f64');
    expect(Array.from(got.data)).toEqual(expected.tensors.f64!.values.map(num));
    expect(sliced.at(-1)).toBe(r.info('f64').byteLength);
  });
});

describe('writeSafetensors', () => {
  it('reproduces the numpy-written file byte for byte (name order, metadata first, space padding)', async () => {
    const r = await readSafetensors(file);
    const tensors: Record<string, TensorToWrite> = {};
    for (const name of r.names) {
      const t = r.info(name);
      // Re-encode from values (F16/BF16 from their exact decoded values), except I64 as bigints.
      const data = t.dtype === 'I64' ? ((await r.tensor(name)).data as BigInt64Array) : (await r.float64(name)).data;
      tensors[name] = { dtype: t.dtype, shape: t.shape, data };
    }
    const out = writeSafetensors(tensors, expected.metadata);
    expect(Buffer.from(out).equals(Buffer.from(file))).toBe(true);
  });

  it('F16 encoding matches numpy float64 -> float16 (ties to even, overflow, subnormals, NaN)', () => {
    const got = expected.f16.source.map((v) => numberToF16(num(v)));
    expect(got).toEqual(expected.f16.bits);
  });

  it('BF16 encoding matches bit-level round-to-nearest-even of float32', () => {
    const got = expected.bf16.source.map((v) => numberToBf16(num(v)));
    expect(got).toEqual(expected.bf16.bits);
  });

  it('every F16 and BF16 bit pattern decodes and re-encodes to itself (NaNs to a NaN)', () => {
    for (let h = 0; h < 65536; h++) {
      const f = f16ToNumber(h);
      const b = bf16ToNumber(h);
      if (Number.isNaN(f)) expect(Number.isNaN(f16ToNumber(numberToF16(f)))).toBe(true);
      else if (numberToF16(f) !== h) throw new Error(`F16 ${h.toString(16)} -> ${f} -> ${numberToF16(f).toString(16)}`);
      if (Number.isNaN(b)) expect(Number.isNaN(bf16ToNumber(numberToBf16(b)))).toBe(true);
      else if (numberToBf16(b) !== h) throw new Error(`BF16 ${h.toString(16)} -> ${b} -> ${numberToBf16(b).toString(16)}`);
    }
  });

  it('pads the header with spaces to a multiple of 8 and writes __metadata__ first', () => {
    const out = writeSafetensors({ z: { dtype: 'U8', shape: [1], data: [7] }, a: { dtype: 'U8', shape: [1], data: [9] } }, { k: 'v' });
    const n = new DataView(out.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(out.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe('{"__metadata__":{"k":"v"},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"z":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}');
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    expect(Array.from(out.subarray(8 + n))).toEqual([9, 7]);
  });

  it('refuses values a dtype cannot hold, wrong lengths, bad shapes and reserved names', () => {
    const bad: [Record<string, TensorToWrite>, string][] = [
      [{ a: { dtype: 'U8', shape: [1], data: [256] } }, 'OUT_OF_RANGE'],
      [{ a: { dtype: 'I8', shape: [1], data: [1.5] } }, 'OUT_OF_RANGE'],
      [{ a: { dtype: 'I64', shape: [1], data: [2 ** 60] } }, 'OUT_OF_RANGE'],
      [{ a: { dtype: 'I64', shape: [1], data: [2n ** 63n] } }, 'OUT_OF_RANGE'],
      [{ a: { dtype: 'BOOL', shape: [1], data: [2] } }, 'OUT_OF_RANGE'],
      [{ a: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3] } }, 'INVALID_TENSOR'],
      [{ a: { dtype: 'F32', shape: [2], bytes: new Uint8Array(7) } }, 'INVALID_TENSOR'],
      [{ a: { dtype: 'F32', shape: [-2], data: [] } }, 'INVALID_SHAPE'],
      [{ a: { dtype: 'F8' as Dtype, shape: [1], data: [1] } }, 'UNKNOWN_DTYPE'],
      [{ __metadata__: { dtype: 'F32', shape: [1], data: [1] } }, 'INVALID_HEADER'],
    ];
    for (const [t, code] of bad) expect(() => writeSafetensors(t), code).toThrow(expect.objectContaining({ code }));
  });
});

describe('laziness', () => {
  it('opening reads the length and the header only; each tensor is one read of its own bytes', async () => {
    const reads: [number, number][] = [];
    const inner = bytesSource(file);
    const src: ByteSource = {
      size: inner.size,
      read: (o, n) => {
        reads.push([o, n]);
        return inner.read(o, n);
      },
    };
    const r = await readSafetensors(src);
    expect(reads).toEqual([
      [0, 8],
      [8, r.headerLength],
    ]);
    await r.tensor('u8');
    const u8 = r.info('u8');
    expect(reads[2]).toEqual([u8.byteOffset, u8.byteLength]);
    expect(reads).toHaveLength(3);
  });

  it('a source that returns fewer bytes than asked is TRUNCATED, a throwing one is IO', async () => {
    const short: ByteSource = { size: file.length, read: async (o, n) => file.subarray(o, o + Math.min(n, 4)) };
    await expect(readSafetensors(short)).rejects.toMatchObject({ code: 'TRUNCATED' });
    const broken: ByteSource = {
      size: file.length,
      read: async () => {
        throw new Error('disk on fire');
      },
    };
    await expect(readSafetensors(broken)).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('disk on fire') });
  });

  it('refuses sources it does not know, naming paths as a Node-entry feature', async () => {
    await expect(readSafetensors('model.safetensors' as unknown as Uint8Array)).rejects.toMatchObject({
      code: 'INVALID_SOURCE',
      message: expect.stringContaining('@x/safetensors/node'),
    });
    await expect(readSafetensors(42 as unknown as Uint8Array)).rejects.toMatchObject({ code: 'INVALID_SOURCE' });
  });
});
