import { describe, expect, it } from 'vitest';
import { ARO, AdamW, DctAdamW, GaLoreAdamW, Muon, type Optimizer, optimizerFromJSON, type ParamLike, SGD, Trion } from '../src/index';
import { decodeArray } from '@x/gpu';
import type { FixtureMatrix } from './helpers';
import { bitEqual, loadFixture, mixedMax } from '@x/test-utils';

interface StepCase {
  type: string;
  options: Record<string, unknown>;
  shapes: Record<string, number[]>;
  w0: Record<string, FixtureMatrix>;
  grads: Record<string, FixtureMatrix>[];
  trajectory: Record<string, FixtureMatrix>[];
}

// steps-trion.json: Trion's reference steps (its own generator in the same script), and a tiny
// 3x2 rank-1 step written out by hand in the script.
const { header: _steps, ...steps } = loadFixture<Record<string, StepCase>>(import.meta.url, 'steps-optimizers.json');
const { header: _trion, ...trion } = loadFixture<Record<string, StepCase>>(import.meta.url, 'steps-trion.json');
const cases = { ...steps, ...trion };

function make(type: string, options: Record<string, unknown>): Optimizer {
  switch (type) {
    case 'SGD':
      return new SGD(options);
    case 'AdamW':
      return new AdamW(options);
    case 'Muon':
      return new Muon(options);
    case 'GaLoreAdamW':
      return new GaLoreAdamW(options);
    case 'DctAdamW':
      return new DctAdamW(options);
    case 'ARO':
      return new ARO(options);
    case 'Trion':
      return new Trion(options);
  }
  throw new Error(type);
}

/** Half the matrices as @x/nn-style { value: Float64Array, shape }, half as Matrix values. */
function makeParams(c: StepCase): { params: ParamLike[]; grads: Record<string, Float64Array> } {
  const params: ParamLike[] = [];
  const grads: Record<string, Float64Array> = {};
  let k = 0;
  for (const [name, shape] of Object.entries(c.shapes)) {
    const value = Float64Array.from(c.w0[name]!.data);
    const grad = new Float64Array(value.length);
    grads[name] = grad;
    if (shape.length === 2 && k++ % 2 === 1) {
      params.push({ name, value: { rows: shape[0]!, cols: shape[1]!, data: value }, grad: { rows: shape[0]!, cols: shape[1]!, data: grad } });
    } else {
      params.push({ name, value, grad, shape });
    }
  }
  return { params, grads };
}

function paramValue(p: ParamLike): Float64Array {
  return (p.value instanceof Float64Array ? p.value : (p.value as { data: Float64Array }).data) as Float64Array;
}

// Tolerances: every case is a short chain of float64 products of O(1) numbers; the ARO chain
// goes through Gram matrices and two Cholesky passes of condition up to ~1e2, NS5 through five
// quintic steps, so 1e-11 leaves room for reassociation only.
const TOL: Record<string, number> = { SGD: 1e-14, AdamW: 1e-13, Muon: 1e-12, GaLoreAdamW: 1e-11, DctAdamW: 1e-12, ARO: 1e-10, Trion: 1e-12 };

describe('optimizer steps match the numpy references', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name} (${c.type})`, () => {
      const opt = make(c.type, c.options);
      const { params, grads } = makeParams(c);
      c.trajectory.forEach((expected, t) => {
        for (const [pn, g] of Object.entries(grads)) g.set(c.grads[t]![pn]!.data);
        opt.step(params);
        for (const p of params) {
          expect(mixedMax(paramValue(p), expected[p.name]!.data), `${name} step ${t + 1} param ${p.name}`).toBeLessThan(TOL[c.type]!);
        }
      });
    });
  }
});

describe('toJSON / fromJSON resume bit-identically', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const steps = c.trajectory.length;
      const cut = Math.max(1, Math.floor(steps / 2));
      const run = (resume: boolean): Float64Array[] => {
        let opt = make(c.type, c.options);
        const { params, grads } = makeParams(c);
        for (let t = 0; t < steps; t++) {
          if (resume && t === cut) opt = optimizerFromJSON(JSON.parse(JSON.stringify(opt.toJSON())));
          for (const [pn, g] of Object.entries(grads)) g.set(c.grads[t]![pn]!.data);
          opt.step(params);
        }
        return params.map(paramValue);
      };
      const a = run(false);
      const b = run(true);
      for (let i = 0; i < a.length; i++) expect(bitEqual(a[i]!, b[i]!)).toBe(true);
    });
  }
});

describe('Trion: the tiny hand-written step', () => {
  it('one step on a 3x2 weight at rank 1: weight and error-feedback momentum match the hand computation', () => {
    const c = loadFixture<Record<string, StepCase & { momentum: FixtureMatrix }>>(import.meta.url, 'steps-trion.json')['trion-tiny-by-hand']!;
    const opt = new Trion(c.options);
    const value = Float64Array.from(c.w0.w!.data);
    opt.step([{ name: 'w', value: { rows: 3, cols: 2, data: value }, grad: { rows: 3, cols: 2, data: Float64Array.from(c.grads[0]!.w!.data) } }]);
    expect(mixedMax(value, c.trajectory[0]!.w!.data)).toBeLessThan(1e-14);
    // The error-feedback buffer M = G - (1 - μ) m Q_Iᵀ is the serialized state.
    const m = decodeArray('test', opt.toJSON().state.params.w!.m as never);
    expect(mixedMax(m as Float64Array, c.momentum.data)).toBeLessThan(1e-14);
  });
});
