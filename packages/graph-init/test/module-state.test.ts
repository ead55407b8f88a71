import { DomainError, encodeArray, type Matrix, ShapeError } from '@x/gpu';
import { type ModuleJSON, moduleFromJSON, registerModule } from '@x/nn';
import { describe, expect, it } from 'vitest';
import {
  ExpMap0,
  type ExpMap0JSON,
  GcnLayer,
  type GcnLayerJSON,
  GcnNet,
  type GcnNetJSON,
  LogMap0,
  type LogMap0JSON,
  PoincareBatchNorm,
  type PoincareBatchNormJSON,
  PoincareConv2d,
  type PoincareConv2dJSON,
  PoincareLinear,
  type PoincareLinearJSON,
  PoincareResBlock,
  type PoincareResBlockJSON,
} from '../src';
import legacy from './fixtures/module-legacy-v1.json';

type Case = { json: ModuleJSON; x: { rows: number; cols: number; data: number[] }; y: { rows: number; cols: number; data: number[] } };
const mat = (m: Case['x']): Matrix => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) });
registerModule('GcnLayer', (j) => GcnLayer.fromJSON(j as GcnLayerJSON));
registerModule('GcnNet', (j) => GcnNet.fromJSON(j as GcnNetJSON));
registerModule('ExpMap0', (j) => ExpMap0.fromJSON(j as ExpMap0JSON));
registerModule('LogMap0', (j) => LogMap0.fromJSON(j as LogMap0JSON));
registerModule('PoincareLinear', (j) => PoincareLinear.fromJSON(j as PoincareLinearJSON));

describe('the unversioned format of earlier releases is still read', () => {
  for (const [name, c] of Object.entries(legacy.cases as Record<string, Case>)) {
    it(`${name}: computes what the old code computed, and re-saves as an envelope`, () => {
      const m = moduleFromJSON(c.json);
      expect(Array.from(m.forward(mat(c.x)).data)).toEqual(c.y.data);
      const again = moduleFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      expect(Array.from(again.forward(mat(c.x)).data)).toEqual(c.y.data);
      expect(m.toJSON()).toMatchObject({ type: name, version: 2 });
    });
  }
});

describe('GcnLayer.fromJSON checks the propagation matrix', () => {
  const saved = (): GcnLayerJSON => JSON.parse(JSON.stringify(moduleFromJSON((legacy.cases as Record<string, Case>).GcnLayer!.json).toJSON()));
  const withAdj = (j: GcnLayerJSON, adj: Record<string, unknown>) => ({ ...j, state: { ...j.state, adjacency: { ...j.state.adjacency, ...adj } } }) as GcnLayerJSON;

  it('a truncated indices (or values) array is a ShapeError naming it', () => {
    const j = saved();
    expect(() => GcnLayer.fromJSON(withAdj(j, { indices: encodeArray(new Int32Array([0, 1])) }))).toThrow(ShapeError);
    expect(() => GcnLayer.fromJSON(withAdj(j, { indices: encodeArray(new Int32Array([0, 1])) }))).toThrow(/GcnLayer\.fromJSON: adjacency\.indices has 2 entries/);
    expect(() => GcnLayer.fromJSON(withAdj(j, { values: encodeArray(new Float64Array(3)) }))).toThrow(/adjacency\.values/);
    const legacyJson = (legacy.cases as Record<string, Case>).GcnLayer!.json as unknown as Record<string, unknown> & { adjacency: { indices: number[] } };
    expect(() => GcnLayer.fromJSON({ ...legacyJson, adjacency: { ...legacyJson.adjacency, indices: legacyJson.adjacency.indices.slice(0, -1) } } as never)).toThrow(ShapeError);
  });

  it('out-of-range columns, a broken indptr, NaN values or weights are DomainErrors', () => {
    const j = saved();
    const n = j.state.adjacency.n;
    const { indices } = j.state.adjacency;
    const bad = new Int32Array(indices.length).fill(n);
    expect(() => GcnLayer.fromJSON(withAdj(j, { indices: encodeArray(bad) }))).toThrow(/outside \[0, 5\)/);
    const ptr = new Int32Array(n + 1).fill(0);
    expect(() => GcnLayer.fromJSON(withAdj(j, { indptr: encodeArray(ptr) }))).toThrow(ShapeError);
    const values = new Float64Array(indices.length).fill(Number.NaN);
    expect(() => GcnLayer.fromJSON(withAdj(j, { values: encodeArray(values) }))).toThrow(DomainError);
    expect(() => GcnLayer.fromJSON({ ...j, state: { ...j.state, weight: encodeArray(new Float64Array(6).fill(Number.NaN)) } })).toThrow(/weight\[0\] is NaN/);
    expect(() => GcnLayer.fromJSON({ ...j, config: { ...j.config, inFeatures: 0 } })).toThrow(/inFeatures/);
  });
});

describe('Poincaré layers check their fields', () => {
  it('c must be positive and finite; Z and r have the implied lengths and finite entries', () => {
    expect(() => ExpMap0.fromJSON({ type: 'ExpMap0', version: 2, config: { c: 0 }, state: {} })).toThrow(/c must be > 0/);
    expect(() => LogMap0.fromJSON({ type: 'LogMap0', version: 2, config: { c: Number.NaN }, state: {} } as never)).toThrow(DomainError);
    const j = JSON.parse(JSON.stringify(new PoincareLinear(3, 2, { init: 'gaussian', seed: 1 }).toJSON())) as PoincareLinearJSON;
    expect(() => PoincareLinear.fromJSON({ ...j, state: { ...j.state, r: encodeArray(new Float64Array(3)) } })).toThrow(ShapeError);
    expect(() => PoincareLinear.fromJSON({ ...j, state: { ...j.state, Z: encodeArray(new Float64Array(6).fill(Number.NaN)) } })).toThrow(/Z\[0\] is NaN/);
  });
});

describe('Poincaré ResNet layers check their fields', () => {
  it('PoincareConv2d, PoincareBatchNorm and PoincareResBlock refuse wrong lengths, NaN, c <= 0, a running mean off the ball and a non-positive variance', () => {
    const conv = JSON.parse(JSON.stringify(new PoincareConv2d(2, 3, { height: 3, width: 3, init: 'gaussian', seed: 1 }).toJSON())) as PoincareConv2dJSON;
    expect(PoincareConv2d.fromJSON(conv).toJSON()).toEqual(conv);
    expect(() => PoincareConv2d.fromJSON({ ...conv, state: { ...conv.state, r: encodeArray(new Float64Array(2)) } })).toThrow(ShapeError);
    expect(() => PoincareConv2d.fromJSON({ ...conv, state: { ...conv.state, Z: encodeArray(new Float64Array(54).fill(Number.NaN)) } })).toThrow(/Z\[0\] is NaN/);
    expect(() => PoincareConv2d.fromJSON({ ...conv, config: { ...conv.config, c: -1 } })).toThrow(DomainError);
    const bn = JSON.parse(JSON.stringify(new PoincareBatchNorm(3, { c: 1 }).toJSON())) as PoincareBatchNormJSON;
    expect(PoincareBatchNorm.fromJSON(bn).toJSON()).toEqual(bn);
    expect(() => PoincareBatchNorm.fromJSON({ ...bn, state: { ...bn.state, runningMean: encodeArray(Float64Array.of(1, 0, 0)) } })).toThrow(/outside the Poincaré ball/);
    expect(() => PoincareBatchNorm.fromJSON({ ...bn, state: { ...bn.state, variance: encodeArray(Float64Array.of(0)) } })).toThrow(DomainError);
    expect(() => PoincareBatchNorm.fromJSON({ ...bn, state: { ...bn.state, mean: encodeArray(new Float64Array(2)) } })).toThrow(ShapeError);
    expect(() => PoincareBatchNorm.fromJSON({ ...bn, config: { ...bn.config, momentum: 2 } })).toThrow(DomainError);
    const block = JSON.parse(JSON.stringify(new PoincareResBlock(2, { height: 2, width: 2, seed: 1 }).toJSON())) as PoincareResBlockJSON;
    expect(PoincareResBlock.fromJSON(block).toJSON()).toEqual(block);
    expect(() => PoincareResBlock.fromJSON({ ...block, state: { ...block.state, 'bn2.runningVariance': encodeArray(Float64Array.of(Number.NaN)) } })).toThrow(DomainError);
    expect(() => PoincareResBlock.fromJSON({ ...block, state: { ...block.state, 'conv1.Z': encodeArray(new Float64Array(3)) } })).toThrow(ShapeError);
  });
});
