/**
 * S4DLayer against tooling/fixtures/ssm_s4d_layer.py: kernels from a real realization (ZOH via
 * scipy's cont2discrete, bilinear by explicit matrices), the bidirectional convolution as
 * state-spaces/s4's FFTConv pads it (checked there against a direct double loop) and the layer's
 * GELU + linear + GLU output, on one fixed set of weights.
 */
import { loadFixture, relMax } from '@x/test-utils';
import { describe, expect, it } from 'vitest';
import { S4DLayer } from '../src';

interface Case {
  disc: 'zoh' | 'bilinear';
  bidirectional: boolean;
  kernels: number[][][];
  ssm: number[];
  glu: number[];
}
const F = loadFixture<{ H: number; N2: number; L: number; batch: number; params: Record<string, number[]>; u: number[]; cases: Case[] }>(import.meta.url, 's4d-layer.json');

function layerOf(c: Case, glu: boolean): S4DLayer {
  const l = new S4DLayer({ channels: F.H, stateSize: 2 * F.N2, disc: c.disc, bidirectional: c.bidirectional, glu, dropout: 0.5 }).eval();
  for (const p of l.parameters()) {
    const v = F.params[p.name];
    if (!v) throw new Error(`no fixture values for ${p.name}`);
    p.value.set(v.slice(0, p.value.length));
  }
  return l;
}

describe('S4DLayer against numpy (fixed weights, H = 3, N/2 = 4, L = 20)', () => {
  const u = { rows: F.batch, cols: F.L * F.H, data: Float64Array.from(F.u) };
  for (const c of F.cases) {
    const name = `${c.disc}, ${c.bidirectional ? 'bidirectional' : 'causal'}`;
    it(`${name}: kernels of every direction`, () => {
      const l = layerOf(c, false);
      c.kernels.forEach((kd, d) => {
        const K = l.kernels(F.L, d as 0 | 1);
        kd.forEach((k, h) => {
          expect(relMax(K[h]!, k), `direction ${d}, channel ${h}`).toBeLessThan(1e-12);
        });
      });
    });
    it(`${name}: SSM output K * u + D u`, () => {
      expect(relMax(layerOf(c, false).forward(u).data, c.ssm)).toBeLessThan(1e-12);
    });
    it(`${name}: layer output GLU(W GELU(y) + b) in eval mode`, () => {
      expect(relMax(layerOf(c, true).forward(u).data, c.glu)).toBeLessThan(1e-12);
    });
  }
});
