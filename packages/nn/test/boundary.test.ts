// Issue 16, @x/nn: one representative call per cause the fuzz suite found. Layers refuse
// unknown options and non-finite inputs, parameter lists are checked where they enter, and the
// helpers refuse non-modules, non-functions and sizes past the documented maxima.
import { DomainError, matrix, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import * as nn from '../src';
import {
  Conv1d,
  initWeight,
  LayerNorm,
  Linear,
  parameterCount,
  prefixParameters,
  RMSNorm,
  sampleToken,
  TransformerBlock,
  TransformerLM,
  zeroGradOf,
} from '../src';
import { mlpRegressionExperiment } from '../src/experiments';

const nanRow = matrix(1, 4, [1, Number.NaN, 0, 0]);

describe('issue 16: bad input to @x/nn is a typed error naming the function or layer', () => {
  it('checkGrad, checkInput and floatsFromJSON are internal (use checkShape/checkFinite of @x/gpu/checks)', () => {
    expect('checkGrad' in nn).toBe(false);
    expect('checkInput' in nn).toBe(false);
    expect('floatsFromJSON' in nn).toBe(false);
  });

  it('constructors refuse unknown options, null options and a bad seed', () => {
    expect(() => new Conv1d(3, 2, { outChanels: 3 } as never)).toThrow(/Conv1d: unknown option "outChanels"/);
    expect(() => new RMSNorm(4, null as never)).toThrow(DomainError);
    expect(() => new Conv1d(3, 2, { seed: '7' } as never)).toThrow(/seed/);
    expect(() => new TransformerBlock({ dim: 4, numHeads: 2, hidden: 6 }, null as never)).toThrow(DomainError);
    expect(() => new TransformerLM({ vocabSize: 7, dim: 4, numLayers: 1, numHeads: 2, hidden: 6, normEps: null } as never)).toThrow(/TransformerLM: normEps/);
  });

  it('forward refuses NaN input with a DomainError naming the layer and the index', () => {
    expect(() => new LayerNorm(4).forward(nanRow)).toThrow(/LayerNorm\(4\): x\[0, 1\] is NaN/);
    expect(() => new RMSNorm(4).forward(nanRow)).toThrow(DomainError);
  });

  it('parameter lists: shape must hold the values; prefixParameters and zeroGradOf check them', () => {
    const [w] = new Linear(4, 3, { seed: 1 }).parameters();
    expect(() => zeroGradOf([{ ...w!, shape: [-1, 12] }])).toThrow(ShapeError);
    expect(() => prefixParameters('body', [null as never])).toThrow(/prefixParameters: params\[0\]/);
    expect(() => parameterCount('model' as never)).toThrow(/parameterCount: m must be a Module/);
  });

  it('sizes are checked before allocating; sampleToken needs a whole Rng; experiments check options', async () => {
    expect(() => initWeight(2 ** 31, 4, 'xavier-uniform')).toThrow(/initWeight: fanOut/);
    const { uniform, ...partial } = rng(1) as unknown as Record<string, unknown>;
    void uniform;
    expect(() => sampleToken([0, 1, 2], { temperature: 1 }, partial as never)).toThrow(/sampleToken: r must be an Rng/);
    await expect(mlpRegressionExperiment({ stpes: 3 } as never)).rejects.toThrow(/unknown option "stpes"/);
  });
});
