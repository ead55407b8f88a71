import { decodeArray, DomainError, randn, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { FrequentDirections, IncrementalPCA, IncrementalSVD, OjaEstimator, RandomOrderEigenvector } from '../src';
import legacy from './fixtures/checkpoint-legacy-v1.json';

interface Streamer {
  update(row: ArrayLike<number>): unknown;
  toJSON(): unknown;
}
const classes: Record<string, { fromJSON(j: never): Streamer }> = { OjaEstimator, RandomOrderEigenvector, FrequentDirections, IncrementalSVD, IncrementalPCA };

/**
 * Walks two saved states side by side: equal structure and exact non-numeric fields; encoded
 * arrays and numbers agree to `tol` relative to the largest magnitude of the expected array.
 */
function expectStateClose(got: unknown, want: unknown, tol: number, path = '$'): void {
  if (want !== null && typeof want === 'object' && 'b64' in want) {
    const g = decodeArray(path, got);
    const w = decodeArray(path, want);
    expect(g.length, path).toBe(w.length);
    let scale = 0;
    for (const v of w) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < w.length; i++) expect(Math.abs(g[i]! - w[i]!), `${path}[${i}]`).toBeLessThanOrEqual(tol * scale);
  } else if (want !== null && typeof want === 'object') {
    expect(Object.keys(got as object), path).toEqual(Object.keys(want));
    for (const k of Object.keys(want)) expectStateClose((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], tol, `${path}.${k}`);
  } else if (typeof want === 'number' && !Number.isInteger(want)) {
    expect(Math.abs((got as number) - want), path).toBeLessThanOrEqual(tol * Math.abs(want));
  } else {
    expect(got, path).toEqual(want);
  }
}

describe('the kind-tagged format of earlier releases is still read', () => {
  const { seed, rows, cols, cut } = legacy.data;
  const A = randn(rows, cols, seed);
  const finish = (s: Streamer): Streamer => {
    for (let i = cut; i < rows; i++) s.update(A.data.subarray(i * cols, (i + 1) * cols));
    return s;
  };
  for (const [name, c] of Object.entries(legacy.cases as Record<string, { mid: unknown; end: unknown }>)) {
    it(`${name}: a checkpoint saved mid-stream resumes exactly as its re-saved envelope does`, () => {
      const fromLegacy = finish(classes[name]!.fromJSON(c.mid as never));
      const resaved = JSON.parse(JSON.stringify(classes[name]!.fromJSON(c.mid as never).toJSON()));
      expect(JSON.stringify(fromLegacy.toJSON())).toBe(JSON.stringify(finish(classes[name]!.fromJSON(resaved as never)).toJSON()));
    });
    // The end states were computed by the release that wrote the old format. Oja, random-order
    // and FD updates are plain arithmetic and must match bit for bit; IncrementalSVD/PCA run an
    // SVD per block, and @x/linalg's SVD has changed its rounding since (bidiagonal divide and
    // conquer, GEMM-blocked back-transformation), so those match to a few ulps of the state's scale.
    const exact = name !== 'IncrementalSVD' && name !== 'IncrementalPCA';
    it(`${name}: ... and reaches the state the old code reached${exact ? ' (bit for bit)' : ' (to 1e-13 relative)'}`, () => {
      const got = JSON.parse(JSON.stringify(finish(classes[name]!.fromJSON(c.mid as never)).toJSON()));
      const want = JSON.parse(JSON.stringify(classes[name]!.fromJSON(c.end as never).toJSON()));
      if (exact) expect(JSON.stringify(got)).toBe(JSON.stringify(want));
      else expectStateClose(got, want, 1e-13);
    });
  }
});

describe('the state envelope and its checks', () => {
  const A = randn(30, 4, 5);
  const feed = <S extends Streamer>(s: S, n = 30): S => {
    for (let i = 0; i < n; i++) s.update(A.data.subarray(i * 4, (i + 1) * 4));
    return s;
  };
  const json = (s: Streamer) => JSON.parse(JSON.stringify(s.toJSON()));

  it('every estimator writes { type, version: 2, config, state }', () => {
    for (const s of [new OjaEstimator({ dim: 4 }), new RandomOrderEigenvector({ dim: 4, n: 30 }), new FrequentDirections({ dim: 4, ell: 2 }), new IncrementalSVD({ rank: 2 }), new IncrementalPCA({ components: 2 })]) {
      const j = json(feed(s, 17));
      expect(Object.keys(j)).toEqual(['type', 'version', 'config', 'state']);
      expect(j.type).toBe(s.constructor.name);
      expect(j.version).toBe(2);
    }
  });

  it('missing or non-finite scalars are refused, naming the class and field', () => {
    const fd = json(feed(new FrequentDirections({ dim: 4, ell: 2 })));
    const { shrinkTotal: _s, ...noShrink } = fd.state;
    expect(() => FrequentDirections.fromJSON({ ...fd, state: noShrink })).toThrow(/FrequentDirections\.fromJSON: state\.shrinkTotal must be a finite number/);
    expect(() => FrequentDirections.fromJSON({ ...fd, state: { ...fd.state, frobeniusSq: null } })).toThrow(DomainError);
    expect(() => FrequentDirections.fromJSON({ ...fd, state: { ...fd.state, rowsSeen: 2.5 } })).toThrow(/rowsSeen/);
    const svd = json(feed(new IncrementalSVD({ rank: 2, blockSize: 4 })));
    const { count: _c, ...noCount } = svd.state;
    expect(() => IncrementalSVD.fromJSON({ ...svd, state: noCount })).toThrow(/IncrementalSVD\.fromJSON: state\.count/);
    expect(() => IncrementalSVD.fromJSON({ ...svd, state: { ...svd.state, mode: 'diagonal' } })).toThrow(/state\.mode/);
    expect(() => IncrementalSVD.fromJSON({ ...svd, config: { ...svd.config, core: { ...svd.config.core, method: 'qr' } } })).toThrow(/config\.core\.method/);
  });

  it('a truncated IncrementalPCA mean (or any array) is a ShapeError', () => {
    const ipca = json(feed(new IncrementalPCA({ components: 2, batchSize: 6 })));
    const short = JSON.parse(JSON.stringify(new IncrementalPCA({ components: 1, batchSize: 2 }).updateAll([[1, 2, 3], [4, 5, 6]]).toJSON())).state.mean;
    expect(() => IncrementalPCA.fromJSON({ ...ipca, state: { ...ipca.state, mean: short } })).toThrow(ShapeError);
    expect(() => IncrementalPCA.fromJSON({ ...ipca, state: { ...ipca.state, mean: short } })).toThrow(/state\.mean has 3 entries, expected dim = 4/);
    const legacyMid = (legacy.cases as Record<string, { mid: Record<string, unknown> }>).IncrementalPCA!.mid;
    expect(() => IncrementalPCA.fromJSON({ ...legacyMid, mean: [1, 2] } as never)).toThrow(ShapeError);
    const oja = json(feed(new OjaEstimator({ dim: 4 })));
    expect(() => OjaEstimator.fromJSON({ ...oja, state: { ...oja.state, v: short } })).toThrow(/state\.v has 3 entries, expected 4/);
  });

  it('truncated JSON text is a DomainError, not a SyntaxError', () => {
    const text = JSON.stringify(feed(new FrequentDirections({ dim: 4, ell: 2 })).toJSON());
    expect(() => FrequentDirections.fromJSON(text.slice(0, text.length - 7) as never)).toThrow(DomainError);
    expect(() => IncrementalPCA.fromJSON('{"type":' as never)).toThrow(/IncrementalPCA\.fromJSON: the JSON text does not parse/);
    expect(() => OjaEstimator.fromJSON({ kind: 'FrequentDirections' } as never)).toThrow(/not a OjaEstimator checkpoint/);
  });
});
