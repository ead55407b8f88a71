import { describe, expect, it, vi } from 'vitest';
import { loadFixture, relMax } from '@x/test-utils';
import type { Untyped } from './helpers';

// Without @x/linalg's eighComplex, skewEig falls back to eigh of the real 2N x 2N embedding.
vi.mock('@x/linalg', async (orig) => {
  const m = await orig<Record<string, unknown>>();
  return { ...m, eighComplex: undefined };
});

import { hippoNormalEig } from '../src';

const F = loadFixture<Untyped>(import.meta.url, 's4d-kernels.json');

describe('skewEig fallback (real embedding through eigh)', () => {
  it('gives the same eigenvalues as numpy eigh(-iS) and a unitary V', () => {
    const N = 16;
    const { lambda, V } = hippoNormalEig(N);
    expect(relMax(lambda.im, F.legsNormal16.lambda.im)).toBeLessThan(1e-13);
    let worst = 0;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let ur = 0;
        let ui = 0;
        for (let k = 0; k < N; k++) {
          const ar = V.re.data[k * N + i]!;
          const ai = -V.im.data[k * N + i]!;
          const br = V.re.data[k * N + j]!;
          const bi = V.im.data[k * N + j]!;
          ur += ar * br - ai * bi;
          ui += ar * bi + ai * br;
        }
        worst = Math.max(worst, Math.abs(ur - (i === j ? 1 : 0)), Math.abs(ui));
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });
});
