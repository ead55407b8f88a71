import { bytes, data, keep, real, V } from '../dsl.mjs';

// Templates for @x/safetensors. Files are built here, independently of the writer under test:
// an 8-byte little-endian header length, the JSON header padded with spaces, then the data.
/** A small valid file: F32 "w" (2x3) and F64 "b" (3), with metadata. */
export function stFile() {
  const w = new Float32Array(V(6));
  const b = V(3, 2);
  const header = {
    __metadata__: { format: 'pt' },
    b: { dtype: 'F64', shape: [3], data_offsets: [0, 24] },
    w: { dtype: 'F32', shape: [2, 3], data_offsets: [24, 48] },
  };
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const out = new Uint8Array(8 + json.length + 48);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  out.set(new Uint8Array(b.buffer), 8 + json.length);
  out.set(new Uint8Array(w.buffer), 8 + json.length + 24);
  return out;
}
const headerLength = (f) => Number(new DataView(f.buffer, f.byteOffset).getBigUint64(0, true));
const tensors = () => ({
  w: data({ dtype: 'F32', shape: [2, 3], data: V(6) }),
  b: data({ dtype: 'F64', shape: [3], data: V(3, 2) }),
});
const meta = () => data({ format: keep('pt') });
/** Reads every tensor of a reader (so lazily refused tensors surface), then closes it. */
export async function readAll(r) {
  const out = {};
  for (const n of r.names) out[n] = (await r.float64(n)).data;
  await r.close();
  return out;
}

export const safetensorsTemplates = (mod) => ({
  SafetensorsError: { args: () => [keep('INVALID_HEADER'), keep('message')], total: true },
  bf16ToNumber: () => [0x3f80],
  bigIntsToNumbers: () => [new BigInt64Array([1n, -2n, 3n]), keep('t')],
  blobSource: { args: () => [new Blob([stFile()])], call: (f, a) => mod.readSafetensors(f(...a)), check: readAll },
  bytesSource: { args: () => [bytes(stFile())], call: (f, a) => mod.readSafetensors(f(...a)), check: readAll },
  encodeTensor: () => [keep('encodeTensor'), keep('w'), data({ dtype: 'F32', shape: [2, 3], data: V(6) })],
  f16ToNumber: () => [0x3c00],
  isDtype: { args: () => ['F32'], total: true },
  numberToBf16: { args: () => [real(1.5)], total: true },
  numberToF16: { args: () => [real(1.5)], total: true },
  parseHeader: () => {
    const f = stFile();
    const n = headerLength(f);
    return [keep('parseHeader'), bytes(f.slice(8, 8 + n)), f.length];
  },
  parseHeaderLength: () => {
    const f = stFile();
    return [keep('parseHeaderLength'), bytes(f.slice(0, 8)), f.length];
  },
  // A plan allocates nothing: a 2^31 dimension is a legal (large) file to stream, so the shape's
  // entries are sizes, not indices (`intList: 'values'`); writeSafetensors, which allocates, refuses it.
  planSafetensors: { args: () => [keep('planSafetensors'), [data({ name: keep('w'), dtype: 'F32', shape: [2, 3] })], meta()], intList: 'values' },
  readSafetensors: { args: () => [bytes(stFile())], check: readAll },
  toFloat32: () => ['F64', V(4), keep('t')],
  toFloat64: () => ['F32', new Float32Array(V(4)), keep('t')],
  writeSafetensors: { args: () => [tensors(), meta()], call: (f, a) => mod.readSafetensors(f(...a)), check: readAll },
});

export default safetensorsTemplates;
