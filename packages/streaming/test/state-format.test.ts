import { DomainError, randn, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { FrequentDirections, IncrementalPCA, IncrementalSVD, OjaEstimator, RandomOrderEigenvector } from '../src';
import legacy from './fixtures/checkpoint-legacy-v1.json';

interface Streamer {
  update(row: ArrayLike<number>): unknown;
  toJSON(): unknown;
}
const classes: Record<string, { fromJSON(j: never): Streamer }> = { OjaEstimator, RandomOrderEigenvector, FrequentDirections, IncrementalSVD, IncrementalPCA };

describe('the kind-tagged format of earlier releases is still read', () => {
  const { seed, rows, cols, cut } = legacy.data;
  const A = randn(rows, cols, seed);
  for (const [name, c] of Object.entries(legacy.cases as Record<string, { mid: unknown; end: unknown }>)) {
    it(`${name}: a checkpoint saved mid-stream resumes to the state the old code reached`, () => {
      const s = classes[name]!.fromJSON(c.mid as never);
      for (let i = cut; i < rows; i++) s.update(A.data.subarray(i * cols, (i + 1) * cols));
      expect(JSON.stringify(s.toJSON())).toBe(JSON.stringify(classes[name]!.fromJSON(c.end as never).toJSON()));
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
