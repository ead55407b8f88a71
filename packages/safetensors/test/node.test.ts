import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, SafetensorsError, writeSafetensors, writeSafetensorsFile } from '../src/node';
import { FIXTURES } from './helpers';

describe('@x/safetensors/node', () => {
  it('reads a path lazily and closes it', async () => {
    const r = await readSafetensors(join(FIXTURES, 'dtypes.safetensors'));
    expect(Array.from((await r.float64('u8')).data)).toEqual([0, 255, 1, 128]);
    await r.close();
  });

  it('writeSafetensorsFile streams lazily loaded tensors and equals writeSafetensors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    const loads: string[] = [];
    const path = join(dir, 'out.safetensors');
    await writeSafetensorsFile(
      path,
      {
        b: { dtype: 'BF16', shape: [2], load: () => {
            loads.push('b');
            return { dtype: 'BF16', shape: [2], data: [1.00390625, -3] };
          },
        },
        a: { dtype: 'F32', shape: [1], data: [0.5] },
      },
      { format: 'pt' },
    );
    expect(loads).toEqual(['b']);
    const mem = writeSafetensors({ a: { dtype: 'F32', shape: [1], data: [0.5] }, b: { dtype: 'BF16', shape: [2], data: [1.00390625, -3] } }, { format: 'pt' });
    expect(new Uint8Array(readFileSync(path))).toEqual(mem);
  });

  it('a failure mid-write leaves neither the output nor a temporary file, and keeps an old file intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    const path = join(dir, 'out.safetensors');
    writeFileSync(path, 'old');
    const attempt = writeSafetensorsFile(path, {
      a: { dtype: 'F32', shape: [1], data: [1] },
      b: {
        dtype: 'F32',
        shape: [2],
        load: () => {
          throw new SafetensorsError('INVALID_TENSOR', 'boom');
        },
      },
    });
    await expect(attempt).rejects.toMatchObject({ message: 'boom' });
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.safetensors']);
    const fresh = join(dir, 'new.safetensors');
    await expect(writeSafetensorsFile(fresh, { a: { dtype: 'F32', shape: [1], load: () => ({ dtype: 'F16', shape: [1], data: [1] }) } })).rejects.toMatchObject({
      code: 'INVALID_TENSOR',
    });
    expect(existsSync(fresh)).toBe(false);
  });
});
