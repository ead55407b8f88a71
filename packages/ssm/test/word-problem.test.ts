import { rng } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { DeltaProductClassifier, S3_ELEMENTS, s3Compose, s3Householder, s3TrackDeltaProduct, s3WordProblem } from '../src';

describe('s3TrackDeltaProduct', () => {
  it('tracks every prefix product exactly (Thm. 1 construction), at any length', () => {
    for (const L of [1, 7, 500]) {
      const { tokens, labels } = s3WordProblem(L, rng(L));
      expect(Array.from(s3TrackDeltaProduct(tokens))).toEqual(Array.from(labels));
    }
  });
  it('beta = 2 is the default; a non-finite beta is a DomainError', () => {
    const { tokens } = s3WordProblem(50, rng(3));
    expect(Array.from(s3TrackDeltaProduct(tokens, { beta: 2 }))).toEqual(Array.from(s3TrackDeltaProduct(tokens)));
    expect(() => s3TrackDeltaProduct(tokens, { beta: Number.NaN })).toThrow(/s3TrackDeltaProduct: beta/);
  });
});

describe('S3 helpers', () => {
  it('composition is a group law with identity 0', () => {
    for (let a = 0; a < 6; a++) {
      expect(s3Compose(a, 0)).toBe(a);
      expect(s3Compose(0, a)).toBe(a);
      for (let b = 0; b < 6; b++) for (let c = 0; c < 6; c++) expect(s3Compose(a, s3Compose(b, c))).toBe(s3Compose(s3Compose(a, b), c));
    }
  });
  it('every element is a product of at most two reflections (beta in {0, 2})', () => {
    for (let g = 0; g < 6; g++) {
      const { k, beta } = s3Householder(g);
      // apply A_1 A_0 to e_x and compare with e_{p[x]}
      for (let x = 0; x < 3; x++) {
        let e = [0, 0, 0];
        e[x] = 1;
        for (let j = 0; j < 2; j++) {
          const kk = [k[3 * j]!, k[3 * j + 1]!, k[3 * j + 2]!];
          const d = kk[0]! * e[0]! + kk[1]! * e[1]! + kk[2]! * e[2]!;
          e = e.map((v, i) => v - beta[j]! * kk[i]! * d);
        }
        const want = S3_ELEMENTS[g]![x]!;
        for (let i = 0; i < 3; i++) expect(e[i]).toBeCloseTo(i === want ? 1 : 0, 14);
      }
    }
  });
});

describe('DeltaProductClassifier', () => {
  it('gradient matches central finite differences for every parameter tensor', () => {
    const m = new DeltaProductClassifier({ nh: 2, betaMax: 2, d: 3, seed: 4 });
    const r = rng(5);
    const batch = [s3WordProblem(7, r), s3WordProblem(5, r)];
    const grads = m.params.map((p) => new Float64Array(p.length));
    m.lossAndGrad(batch, grads);
    const scratch = m.params.map((p) => new Float64Array(p.length));
    const eps = 1e-6;
    for (let p = 0; p < m.params.length; p++) {
      const x = m.params[p]!;
      let worst = 0;
      let scale = 1e-4;
      for (let i = 0; i < x.length; i++) {
        const old = x[i]!;
        x[i] = old + eps;
        const lp = m.lossAndGrad(batch, scratch);
        x[i] = old - eps;
        const lm = m.lossAndGrad(batch, scratch);
        x[i] = old;
        const fd = (lp - lm) / (2 * eps);
        worst = Math.max(worst, Math.abs(fd - grads[p]![i]!));
        scale = Math.max(scale, Math.abs(fd));
      }
      expect(worst / scale, `param ${p}`).toBeLessThan(1e-6);
    }
  });
  it('toJSON/fromJSON round trip gives identical logits', () => {
    const m = new DeltaProductClassifier({ nh: 2, betaMax: 1, d: 4, seed: 8 });
    const m2 = DeltaProductClassifier.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    const tok = Int32Array.from([0, 3, 5, 1, 2]);
    expect(Array.from(m2.logits(tok))).toEqual(Array.from(m.logits(tok)));
  });
});
