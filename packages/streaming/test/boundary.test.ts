// Issue 16, @x/streaming: feeding checks the sink, the source and the options where they enter,
// naming the method the user called; constructors refuse unknown options and bad seeds.
import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { compressionRatio, feedRowsSync, FrequentDirections, IncrementalPCA, OjaEstimator } from '../src';

describe('issue 16: bad input to @x/streaming is a typed error naming the method called', () => {
  it('a malformed Matrix source is a ShapeError, not an empty stream or a raw TypeError', () => {
    const fd = new FrequentDirections({ dim: 4, ell: 2 });
    expect(() => fd.updateAll({ rows: 2 ** 31, cols: 2 ** 31, data: new Float64Array(20) } as never)).toThrow(/FrequentDirections.updateAll: source/);
    expect(() => fd.updateAll(null as never)).toThrow(ShapeError);
    expect(() => feedRowsSync('sink' as never, [])).toThrow(/feedRowsSync: sink/);
    return expect(new OjaEstimator({ dim: 4 }).consume(null as never)).rejects.toThrow(/OjaEstimator.consume: source/);
  });

  it('options: unknown keys, a bad progressEvery or onProgress, and a fractional seed are DomainErrors', () => {
    const fd = new FrequentDirections({ dim: 4, ell: 2 });
    expect(() => fd.updateAll([], { progresEvery: 2 } as never)).toThrow(/unknown option "progresEvery"/);
    expect(() => fd.updateAll([], { progressEvery: 1.5 })).toThrow(DomainError);
    expect(() => fd.updateAll([], { onProgress: 'log' as never })).toThrow(/onProgress must be a function/);
    expect(() => new FrequentDirections({ dim: 4, ell: 2, elll: 3 } as never)).toThrow(DomainError);
    expect(() => new IncrementalPCA({ components: 2, seed: 1.5 })).toThrow(/IncrementalPCA: seed/);
  });

  it('compressionRatio checks its clusters', () => {
    const b = { rows: 2, cols: 2, data: new Float64Array([1, 0, 0, 1]) };
    expect(() => compressionRatio([b], null as never, 1)).toThrow(/compressionRatio: clusters/);
    expect(() => compressionRatio([b], [null as never], 1)).toThrow(DomainError);
  });
});
