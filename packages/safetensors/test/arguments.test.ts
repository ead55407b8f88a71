import { describe, expect, it } from 'vitest';
import {
  atomicWrite,
  bf16ToNumber,
  bigIntsToNumbers,
  blobSource,
  encodeTensor,
  f16ToNumber,
  fileSource,
  parseHeader,
  parseHeaderLength,
  planSafetensors,
  SafetensorsError,
  toFloat32,
  toFloat64,
  writeSafetensors,
  writeSafetensorsFile,
} from '../src/node';

// Arguments of the wrong kind get a SafetensorsError with a stable code and a message naming the
// function called, before any allocation or file access (never a raw TypeError or RangeError).

function refused(f: () => unknown, code: string, message: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as SafetensorsError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

async function refusedAsync(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as SafetensorsError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

describe('scalar and array arguments', () => {
  it('f16ToNumber / bf16ToNumber take a 16-bit pattern, nothing else', () => {
    expect(f16ToNumber(0x3c00)).toBe(1);
    expect(bf16ToNumber(0x3f80)).toBe(1);
    refused(() => f16ToNumber(-1), 'INVALID_ARGUMENT', /^f16ToNumber: the bits must be an integer in \[0, 65535\], got -1/);
    refused(() => f16ToNumber(1.5), 'INVALID_ARGUMENT', /got 1\.5/);
    refused(() => bf16ToNumber(Number.NaN), 'INVALID_ARGUMENT', /^bf16ToNumber: .* got NaN/);
    refused(() => bf16ToNumber(0x10000), 'INVALID_ARGUMENT', /got 65536/);
    refused(() => bf16ToNumber('16256' as never), 'INVALID_ARGUMENT', /got "16256"/);
  });

  it('toFloat64 / toFloat32 / bigIntsToNumbers: a known dtype and its native array', () => {
    expect(Array.from(toFloat64('F32', new Float32Array([0.5, 2])))).toEqual([0.5, 2]);
    refused(() => toFloat64('F8' as never, new Float32Array(2)), 'UNKNOWN_DTYPE', /^toFloat64: unknown dtype "F8"/);
    refused(() => toFloat32(7 as never, new Float64Array(2)), 'UNKNOWN_DTYPE', /^toFloat32: unknown dtype 7/);
    refused(() => toFloat64('F32', 'data' as never), 'INVALID_ARGUMENT', /^toFloat64: F32 data must be a Float32Array, got "data"/);
    refused(() => toFloat32('F16', new Float64Array(2) as never), 'INVALID_ARGUMENT', /^toFloat32: F16 data must be a Uint16Array, got a Float64Array/);
    refused(() => bigIntsToNumbers('123' as never), 'INVALID_ARGUMENT', /^bigIntsToNumbers: data must be a BigInt64Array, got "123"/);
    refused(() => bigIntsToNumbers(null as never), 'INVALID_ARGUMENT', /got null/);
  });

  it('parseHeaderLength / parseHeader: bytes and an integer file size', () => {
    const prefix = new Uint8Array(8);
    prefix[0] = 2;
    refused(() => parseHeaderLength('f', null as never, 16), 'INVALID_ARGUMENT', /^f: the header prefix must be a Uint8Array, got null/);
    refused(() => parseHeaderLength('f', prefix, Number.NaN), 'INVALID_ARGUMENT', /^f: the file size must be an integer >= 0, got NaN/);
    refused(() => parseHeaderLength('f', prefix, 10.5), 'INVALID_ARGUMENT', /got 10\.5/);
    refused(() => parseHeader('f', new TextEncoder().encode('{}'), '10' as never), 'INVALID_ARGUMENT', /^f: the file size must be an integer >= 0, got "10"/);
    expect(parseHeaderLength('f', prefix, 10)).toBe(2);
  });
});

describe('writer arguments', () => {
  it('tensors, metadata and tensor entries of the wrong kind', () => {
    refused(() => writeSafetensors(null as never), 'INVALID_ARGUMENT', /^writeSafetensors: tensors must be an object of named tensors, got null/);
    refused(() => writeSafetensors({ w: null as never }), 'INVALID_TENSOR', /^writeSafetensors: tensor "w" must be an object/);
    refused(() => writeSafetensors({}, 'pt' as never), 'INVALID_METADATA', /^writeSafetensors: metadata must be an object of strings, got "pt"/);
    refused(() => encodeTensor('enc', 'w', { dtype: 'F8' as never, shape: [1], data: [1] }), 'UNKNOWN_DTYPE', /^enc: tensor "w" has unknown dtype "F8"/);
    refused(() => encodeTensor('enc', 'w', null as never), 'INVALID_TENSOR', /^enc: tensor "w" must be an object/);
    refused(() => planSafetensors('plan', null as never), 'INVALID_ARGUMENT', /^plan: the tensor list must be an array, got null/);
    refused(() => planSafetensors('plan', [null as never]), 'INVALID_ARGUMENT', /^plan: tensor 0 must be an object/);
  });

  it('a claimed shape larger than the data given is refused before the file is allocated', () => {
    refused(() => writeSafetensors({ w: { dtype: 'F32', shape: [2 ** 31, 3], data: new Float32Array(6) } }), 'INVALID_TENSOR', /^writeSafetensors: tensor "w" has shape \[2147483648, 3\] \(6442450944 elements\) but 6 values/);
    refused(() => writeSafetensors({ w: { dtype: 'F32', shape: [2], bytes: new Uint8Array(4) } }), 'INVALID_TENSOR', /needs 8 bytes, got a Uint8Array of 4/);
    // Planning allocates nothing, so a large shape is a plan like any other.
    expect(planSafetensors('plan', [{ name: 'w', dtype: 'F32', shape: [2 ** 31, 3] }]).fileSize).toBeGreaterThan(2 ** 34);
  });

  it('blobSource takes a Blob', () => {
    refused(() => blobSource(null as never), 'INVALID_SOURCE', /^blobSource: expected a Blob, got null/);
  });
});

describe('Node file functions', () => {
  it('refuse a non-string path before touching the disk', async () => {
    await refusedAsync(fileSource(7 as never), 'INVALID_SOURCE', /^fileSource: expected a file path, got 7/);
    await refusedAsync(writeSafetensorsFile(7 as never, {}), 'INVALID_ARGUMENT', /^writeSafetensorsFile: path must be a non-empty file path, got 7/);
    await refusedAsync(atomicWrite(7 as never, async () => {}), 'INVALID_ARGUMENT', /^atomicWrite: path must be a non-empty file path, got 7/);
    await refusedAsync(atomicWrite('x.bin', 'body' as never), 'INVALID_ARGUMENT', /^atomicWrite: body must be a function, got "body"/);
    await refusedAsync(writeSafetensorsFile('x.safetensors', { w: null as never }), 'INVALID_TENSOR', /^writeSafetensorsFile: tensor "w" must be an object/);
  });
});
