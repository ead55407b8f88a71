import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors as readNode } from '../src/node';
import { readSafetensors, SafetensorsError } from '../src/index';
import { FIXTURES } from './helpers';
import { fixtureBytes, loadFixture } from '@x/test-utils';

const expected = loadFixture<{ errors: Record<string, string> }>(import.meta.url, 'bad/expected.json').errors;

describe('malformed files written by the numpy script', () => {
  it('covers every file in the directory', () => {
    const files = readdirSync(join(FIXTURES, 'bad')).filter((f) => f.endsWith('.safetensors'));
    expect(files.map((f) => f.replace('.safetensors', '')).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, code] of Object.entries(expected)) {
    it(`${name}: ${code} from bytes, a Blob and a path`, async () => {
      const bytes = fixtureBytes(import.meta.url, `bad/${name}.safetensors`);
      for (const source of [bytes, bytes.buffer as ArrayBuffer, new Blob([bytes as Uint8Array<ArrayBuffer>])]) {
        const err = await readSafetensors(source).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, name).toBeInstanceOf(SafetensorsError);
        expect((err as SafetensorsError).code, `${name}: ${(err as Error).message}`).toBe(code);
        expect((err as Error).message).toMatch(/^readSafetensors: /);
      }
      await expect(readNode(join(FIXTURES, 'bad', `${name}.safetensors`))).rejects.toMatchObject({ code });
    });
  }

  it('every prefix of a valid file is refused with a typed error (never a raw exception)', async () => {
    const good = fixtureBytes(import.meta.url, 'dtypes.safetensors');
    for (let n = 0; n < good.length; n += 7) {
      const err = await readSafetensors(good.subarray(0, n)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `prefix ${n}`).toBeInstanceOf(SafetensorsError);
    }
  });

  it('a missing path is an IO error naming the path', async () => {
    await expect(readNode('/nonexistent/model.safetensors')).rejects.toMatchObject({ code: 'IO', message: expect.stringContaining('/nonexistent/model.safetensors') });
  });
});
