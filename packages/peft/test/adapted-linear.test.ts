import { describe, expect, it } from 'vitest';
import { DomainError, encodeArray, matmul, matrix, randn, ShapeError } from '@x/gpu';
import { Adam, type AdamJSON, gradCheck } from '@x/nn';
import fc from 'fast-check';
import { AdaptedLinear, type AdaptedLinearJSON, type Adapter, lolduInit, loraXsInit, pissaInit, sokaInit, sorsaInit, svfitInit } from '../src';
import { relFro, resumeCheck, trainingCase } from '@x/test-utils';

const W = randn(6, 5, 1);
const bias = Float64Array.from([0.1, -0.2, 0.3, 0, 0.5, -1]);

function adapters(): [string, AdapterCase][] {
  const p = pissaInit(W, 2, { alpha: 4 });
  const sv = svfitInit(W, 3);
  const so = sorsaInit(W, 2, { alpha: 2 });
  const xs = loraXsInit(W, 2, { std: 0.3, seed: 3 });
  const ld = lolduInit(W, 3);
  // 6x5 = (3·2) x (5·1): A_k 3x5, B_k 2x1; the Kronecker rank is min(15, 2) = 2.
  const sk = sokaInit(W, [3, 5], [2, 1], { k: 1 });
  return [
    ['soka (KPSVD init, K = 1 of 2)', { base: sk.Wres, adapter: { kind: 'soka', A: sk.A, B: sk.B, scale: 1 }, trainable: 15 + 2, mergesToW: true }],
    ['lora (PiSSA init)', { base: p.Wres, adapter: { kind: 'lora', A: p.A, B: p.B, scale: p.scale }, trainable: 10 + 12, mergesToW: true }],
    ['lora with A frozen (FedSVD client)', { base: p.Wres, adapter: { kind: 'lora', A: p.A, B: p.B, scale: p.scale, frozen: ['A'] }, trainable: 12, mergesToW: true }],
    ['core (LoRA-XS)', { base: W, adapter: { kind: 'core', A: xs.A, B: xs.B, R: xs.R, scale: xs.scale }, trainable: 4, mergesToW: false }],
    ['svfit', { base: sv.Wres, adapter: { kind: 'svfit', U: sv.U, V: sv.V, sigma: sv.sigma }, trainable: 3, mergesToW: true }],
    ['sorsa', { base: so.Wres, adapter: { kind: 'sorsa', A: so.A, S: so.S, B: so.B, scale: so.scale }, trainable: 10 + 2 + 12, mergesToW: true }],
    ['loldu', { base: ld.Wres, adapter: { kind: 'loldu', PL: matmul(ld.P, ld.L), U: ld.U, z: ld.z, scale: ld.scale }, trainable: 3, mergesToW: true }],
  ];
}
interface AdapterCase {
  base: ReturnType<typeof randn>;
  adapter: Adapter;
  trainable: number;
  mergesToW: boolean;
}

describe('AdaptedLinear', () => {
  for (const [name, c] of adapters()) {
    it(`${name}: gradients match finite differences; merge/unmerge; parameter count; JSON round trip`, () => {
      const layer = new AdaptedLinear({ base: c.base, bias, adapter: c.adapter });
      expect(layer.trainableCount()).toBe(c.trainable);
      const x = randn(4, 5, 9);
      const report = gradCheck(layer, x, { tol: 1e-6 });
      expect(report.passed, JSON.stringify(report.parameters.map((p) => [p.name, p.maxRelError]))).toBe(true);
      if (c.mergesToW) expect(relFro(layer.effectiveWeight(), W)).toBeLessThan(1e-13);
      // forward == x W_effᵀ + b; merged forward is the same function; unmerge restores.
      const y = layer.forward(x);
      const ref = matmul(x, layer.effectiveWeight(), { transB: true });
      for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) ref.data[i * 6 + j]! += bias[j]!;
      expect(relFro(y, ref)).toBeLessThan(1e-13);
      const before = Float64Array.from(layer.base.data);
      layer.merge();
      expect(relFro(layer.forward(x), y)).toBeLessThan(1e-13);
      layer.unmerge();
      expect(relFro(matrix(6, 5, layer.base.data), matrix(6, 5, before))).toBeLessThan(1e-14);
      const copy = AdaptedLinear.fromJSON(JSON.parse(JSON.stringify(layer.toJSON())));
      expect(Array.from(copy.forward(x).data)).toEqual(Array.from(layer.forward(x).data));
    });
  }

  it('soka: 6x6 = (2·3) x (3·2), K = 2 of 6, scale 0.7: finite-difference gradients, forward = x (Σ A_k ⊗ B_k)ᵀ without forming it', () => {
    const W6 = randn(6, 6, 4);
    const sk = sokaInit(W6, [2, 3], [3, 2], { k: 2 });
    // Perturb the factors so that gradients are not taken at the init point only.
    const A = sk.A.map((a, k) => ({ ...a, data: a.data.map((v, i) => v + 0.1 * Math.sin(i + k)) }));
    const layer = new AdaptedLinear({ base: sk.Wres, adapter: { kind: 'soka', A, B: sk.B, scale: 0.7 } });
    expect(layer.trainableCount()).toBe(2 * (6 + 6));
    const x = randn(5, 6, 8);
    const report = gradCheck(layer, x, { tol: 1e-6 });
    expect(report.passed, JSON.stringify(report.parameters.map((p) => [p.name, p.maxRelError]))).toBe(true);
    const ref = matmul(x, layer.effectiveWeight(), { transB: true });
    expect(relFro(layer.forward(x), ref)).toBeLessThan(1e-13);
    // At the unperturbed init the adapter plus residual is W exactly.
    const at0 = new AdaptedLinear({ base: sk.Wres, adapter: { kind: 'soka', A: sk.A, B: sk.B, scale: 1 } });
    expect(relFro(at0.effectiveWeight(), W6)).toBeLessThan(1e-13);
  });

  it('soka: energy and elbow rules combine as the larger K, capped by maxK; bad factor shapes are ShapeErrors', () => {
    const W6 = randn(6, 6, 5);
    const e = sokaInit(W6, [2, 3], [3, 2], { energy: 0.9 }).K;
    const b = sokaInit(W6, [2, 3], [3, 2], { elbow: true }).K;
    expect(sokaInit(W6, [2, 3], [3, 2], { energy: 0.9, elbow: true }).K).toBe(Math.max(e, b));
    expect(sokaInit(W6, [2, 3], [3, 2], { energy: 0.999, elbow: true, maxK: 2 }).K).toBe(2);
    expect(() => sokaInit(W6, [2, 3], [3, 2], { energy: 0.9, maxK: 0 })).toThrow(DomainError);
    const sk = sokaInit(W6, [2, 3], [3, 2], { k: 1 });
    expect(() => new AdaptedLinear({ base: sk.Wres, adapter: { kind: 'soka', A: sk.A, B: [randn(2, 2, 1)], scale: 1 } })).toThrow(ShapeError);
    expect(() => new AdaptedLinear({ base: sk.Wres, adapter: { kind: 'soka', A: sk.A, B: [], scale: 1 } })).toThrow(/soka/);
  });

  it('frozen factors receive no gradient; the trainable one does', () => {
    const p = pissaInit(W, 2);
    const layer = new AdaptedLinear({ base: p.Wres, adapter: { kind: 'lora', A: p.A, B: p.B, scale: 1, frozen: ['A'] } });
    expect(layer.parameters().map((q) => q.name)).toEqual(['B']);
    const x = randn(3, 5, 2);
    layer.forward(x);
    layer.backward(randn(3, 6, 3));
    expect(layer.parameters()[0]!.grad.some((v) => v !== 0)).toBe(true);
  });

  it('svfit: dL/dσ_i = u_iᵀ G v_i for G = dL/dW', () => {
    const sv = svfitInit(W, 3);
    const layer = new AdaptedLinear({ base: sv.Wres, adapter: { kind: 'svfit', U: sv.U, V: sv.V, sigma: sv.sigma } });
    const x = randn(7, 5, 4);
    const dy = randn(7, 6, 5);
    layer.forward(x);
    layer.backward(dy);
    const G = matmul(dy, x, { transA: true }); // dL/dW for y = x Wᵀ
    const UtGV = matmul(matmul(sv.U, G, { transA: true }), sv.V);
    for (let i = 0; i < 3; i++) expect(layer.parameters()[0]!.grad[i]).toBeCloseTo(UtGV.data[i * 3 + i]!, 12);
  });

  it('bad input: shapes named, backward before forward', () => {
    const p = pissaInit(W, 2);
    expect(() => new AdaptedLinear({ base: p.Wres, adapter: { kind: 'lora', A: p.A, B: randn(5, 2, 1), scale: 1 } })).toThrow(/B is 5x2, expected 6x2/);
    const layer = new AdaptedLinear({ base: p.Wres, adapter: { kind: 'lora', A: p.A, B: p.B, scale: 1 } });
    expect(() => layer.backward(randn(2, 6, 1))).toThrow(DomainError);
    expect(() => layer.forward(randn(2, 4, 1))).toThrow(ShapeError);
    expect(() => new AdaptedLinear({ base: W, bias: [1, 2], adapter: { kind: 'lora', A: p.A, B: p.B, scale: 1 } })).toThrow(/bias has length 2/);
  });
});

// The state envelope: for every adapter kind, a run cut at a random step, saved through JSON text
// and restored (layer and Adam) continues bit-identically, merged or not; the unversioned format
// of earlier releases is still read; every field is checked with a typed error.
describe.each(adapters())('AdaptedLinear state: %s', (_, c) => {
  for (const merged of [false, true]) {
    const resume = trainingCase({
      model: () => {
        const layer = new AdaptedLinear({ base: c.base, bias, adapter: c.adapter });
        if (merged) layer.merge();
        return layer;
      },
      restoreModel: AdaptedLinear.fromJSON,
      optimizer: () => new Adam({ lr: 1e-2 }),
      restoreOptimizer: (j: AdamJSON) => Adam.fromJSON(j),
      batch: (t: number) => randn(3, 5, 100 + t),
      probe: randn(2, 5, 7),
    });
    it(`${merged ? 'merged' : 'unmerged'}: save → JSON → restore → continue is bit-identical`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), (cut, more) => {
          expect(resumeCheck(resume, cut, more)).toEqual({ resaved: true, restored: true, continued: true });
        }),
        { numRuns: 4 },
      );
    });
  }

  it('reads the unversioned format and re-saves the same envelope', () => {
    const layer = new AdaptedLinear({ base: c.base, bias, adapter: c.adapter });
    const j = layer.toJSON();
    const dec = (k: string) => Array.from(layer.tensor(k).data);
    const old = {
      type: 'AdaptedLinear',
      kind: j.config.kind,
      scale: j.config.scale,
      merged: false,
      base: { rows: 6, cols: 5, data: Array.from(layer.base.data) },
      bias: Array.from(bias),
      tensors: Object.fromEntries(Object.entries(j.config.shapes).map(([k, [rows, cols]]) => [k, { rows, cols, data: dec(k) }])),
      frozen: j.config.frozen,
    };
    expect(JSON.stringify(AdaptedLinear.fromJSON(old as never).toJSON())).toBe(JSON.stringify(j));
  });
});

describe('AdaptedLinear.fromJSON checks every field with a typed error', () => {
  const p = pissaInit(W, 2, { alpha: 4 });
  const j = JSON.parse(JSON.stringify(new AdaptedLinear({ base: p.Wres, bias, adapter: { kind: 'lora', A: p.A, B: p.B, scale: p.scale } }).toJSON())) as AdaptedLinearJSON;
  const cfg = (c: Partial<AdaptedLinearJSON['config']>) => ({ ...j, config: { ...j.config, ...c } }) as AdaptedLinearJSON;
  it('config', () => {
    expect(() => AdaptedLinear.fromJSON({ ...j, type: 'Linear' } as never)).toThrow(/type must be 'AdaptedLinear'/);
    expect(() => AdaptedLinear.fromJSON(cfg({ kind: 'dora' as never }))).toThrow(/kind must be one of/);
    expect(() => AdaptedLinear.fromJSON(cfg({ scale: Number.NaN }))).toThrow(DomainError);
    expect(() => AdaptedLinear.fromJSON(cfg({ merged: 1 as never }))).toThrow(/merged must be a boolean/);
    expect(() => AdaptedLinear.fromJSON(cfg({ frozen: [1] as never }))).toThrow(/frozen/);
    expect(() => AdaptedLinear.fromJSON(cfg({ shapes: { ...j.config.shapes, A: [2, -5] } }))).toThrow(/shapes\.A/);
    expect(() => AdaptedLinear.fromJSON(cfg({ outFeatures: 1e9 }))).toThrow(ShapeError);
  });
  it('state', () => {
    expect(() => AdaptedLinear.fromJSON({ ...j, state: { ...j.state, bias: encodeArray(new Float64Array(5)) } })).toThrow(/bias has 5 entries, expected 6/);
    expect(() => AdaptedLinear.fromJSON({ ...j, state: { ...j.state, base: encodeArray(new Float64Array(30).fill(Number.NaN)) } })).toThrow(/base\[0\] is NaN/);
    const { B: _, ...noB } = j.state.tensors;
    expect(() => AdaptedLinear.fromJSON({ ...j, state: { ...j.state, tensors: noB } })).toThrow(DomainError);
    // recorded shapes that do not fit the base: the constructor's ShapeError
    expect(() => AdaptedLinear.fromJSON({ ...cfg({ shapes: { ...j.config.shapes, A: [1, 10] } }) })).toThrow(ShapeError);
    expect(() => AdaptedLinear.fromJSON({ type: 'AdaptedLinear', kind: 'lora', base: 3 } as never)).toThrow(DomainError);
  });
});
