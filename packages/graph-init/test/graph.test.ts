import { DomainError, ShapeError, type Matrix, matmul, rng } from '@x/gpu';
import { gradCheck } from '@x/nn';
import { describe, expect, it } from 'vitest';
import {
  csrRowSums,
  csrToDense,
  csrTranspose,
  edgesToCsr,
  erdosRenyi,
  GcnLayer,
  GcnNet,
  normalizedAdjacency,
  randomRegular,
  spmm,
  stochasticBlockModel,
} from '../src/index';
import fx from './fixtures/virgo-variances.json';
import { fdCheck, mat } from './helpers';
import { maxAbsDiff } from '@x/test-utils';

function fixtureGraph() {
  const src = Int32Array.from(fx.edges.map((e) => e[0]!));
  const dst = Int32Array.from(fx.edges.map((e) => e[1]!));
  return edgesToCsr({ n: fx.n, src, dst });
}

describe('CSR', () => {
  it('builds a symmetric adjacency, merges duplicates, drops self-loops', () => {
    const a = edgesToCsr({ n: 4, src: Int32Array.from([0, 1, 0, 2, 3]), dst: Int32Array.from([1, 2, 1, 2, 0]) });
    const d = csrToDense(a);
    expect(Array.from(d.data)).toEqual([0, 2, 0, 1, 2, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(a.indptr)).toEqual([0, 2, 4, 5, 6]);
  });
  it('directed edges and the transpose', () => {
    const a = edgesToCsr({ n: 3, src: Int32Array.from([0, 0, 2]), dst: Int32Array.from([1, 2, 1]) }, { symmetric: false, weights: [1, 2, 3] });
    const t = csrToDense(csrTranspose(a));
    const d = csrToDense(a);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(t.data[i * 3 + j]).toBe(d.data[j * 3 + i]);
  });
  it('rejects bad node ids and mismatched lengths without partial state', () => {
    expect(() => edgesToCsr({ n: 2, src: Int32Array.from([0]), dst: Int32Array.from([2]) })).toThrow(DomainError);
    expect(() => edgesToCsr({ n: 2, src: Int32Array.from([0, 1]), dst: Int32Array.from([1]) })).toThrow(ShapeError);
  });
  it('empty graph: Â = I', () => {
    const a = normalizedAdjacency(edgesToCsr({ n: 3, src: new Int32Array(0), dst: new Int32Array(0) }));
    expect(Array.from(csrToDense(a).data)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
  it('normalized adjacency with self-loops matches numpy', () => {
    const ah = normalizedAdjacency(fixtureGraph());
    expect(maxAbsDiff(csrToDense(ah).data, mat(fx.Ahat).data)).toBeLessThan(1e-15);
  });
  it('spmm equals the dense product', () => {
    const ah = normalizedAdjacency(fixtureGraph());
    const x = mat(fx.X);
    expect(maxAbsDiff(spmm(ah, x).data, matmul(csrToDense(ah), x).data)).toBeLessThan(1e-14);
    expect(() => spmm(ah, mat([[1, 2]]))).toThrow(ShapeError);
  });
});

describe('generators', () => {
  it('Erdos-Renyi: edge count near p n(n-1)/2, seeded', () => {
    const g = erdosRenyi(400, 0.05, { seed: 3 });
    const expected = 0.05 * (400 * 399) / 2;
    expect(Math.abs(g.src.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
    for (let k = 0; k < g.src.length; k++) expect(g.src[k]).toBeLessThan(g.dst[k]!);
    expect(Array.from(erdosRenyi(400, 0.05, { seed: 3 }).dst)).toEqual(Array.from(g.dst));
    expect(erdosRenyi(5, 1).src.length).toBe(10);
    expect(erdosRenyi(5, 0).src.length).toBe(0);
    expect(() => erdosRenyi(5, 1.5)).toThrow(DomainError);
  });
  it('random regular: every degree is exactly d, no loops or multi-edges', () => {
    const g = randomRegular(100, 4, { seed: 1 });
    const a = edgesToCsr(g);
    expect(Array.from(csrRowSums(a)).every((d) => d === 4)).toBe(true);
    expect(() => randomRegular(5, 3)).toThrow(DomainError);
  });
  it('SBM: labels by block and denser inside blocks', () => {
    const g = stochasticBlockModel([50, 50], 0.3, 0.02, { seed: 2 });
    let inside = 0;
    for (let k = 0; k < g.src.length; k++) if (g.labels[g.src[k]!] === g.labels[g.dst[k]!]) inside++;
    expect(inside / g.src.length).toBeGreaterThan(0.8);
    expect(g.labels[0]).toBe(0);
    expect(g.labels[99]).toBe(1);
  });
});

describe('GcnLayer', () => {
  const ah = normalizedAdjacency(fixtureGraph());
  it('forward Â X Wᵀ matches numpy', () => {
    const layer = new GcnLayer(ah, 6, 4, { weight: mat(fx.gcn.W) });
    expect(maxAbsDiff(layer.forward(mat(fx.X)).data, mat(fx.gcn.Y).data)).toBeLessThan(1e-13);
  });
  it('backward passes finite differences (weights, bias, input)', () => {
    const layer = new GcnLayer(ah, 6, 4, { seed: 5, bias: true, variance: 0.3 });
    layer.bias!.set([0.1, -0.2, 0.3, 0.05]);
    const x = mat(fx.X);
    const r = rng(9);
    const probe: Matrix<Float64Array> = { rows: fx.n, cols: 4, data: r.fillNormal(new Float64Array(fx.n * 4)) };
    const loss = () => {
      const y = layer.forward(x);
      let s = 0;
      for (let i = 0; i < y.data.length; i++) s += Math.sin(y.data[i]!) * probe.data[i]!;
      return s;
    };
    const y = layer.forward(x);
    const dy = new Float64Array(y.data.length);
    for (let i = 0; i < dy.length; i++) dy[i] = Math.cos(y.data[i]!) * probe.data[i]!;
    layer.zeroGrad();
    const dx = layer.backward({ rows: y.rows, cols: y.cols, data: dy });
    for (const p of layer.parameters()) expect(fdCheck(p.value, p.grad, loss)).toBeLessThan(1e-6);
    expect(fdCheck(x.data, dx.data, loss)).toBeLessThan(1e-6);
  });
  it('kept intermediates: results are fresh, bit-equal to fresh products, and a failed forward changes nothing', () => {
    const layer = new GcnLayer(ah, 6, 4, { seed: 5, bias: true, variance: 0.3 });
    const x1 = mat(fx.X);
    const x2: Matrix<Float64Array> = { ...x1, data: x1.data.map((v, i) => v * 0.5 + (i % 3)) };
    const r = rng(11);
    const dy1: Matrix<Float64Array> = { rows: fx.n, cols: 4, data: r.fillNormal(new Float64Array(fx.n * 4)) };
    const dy2: Matrix<Float64Array> = { rows: fx.n, cols: 4, data: r.fillNormal(new Float64Array(fx.n * 4)) };
    // The passes written with public functions and fresh results.
    const W = layer.weight;
    const ref = (x: Matrix, dy: Matrix) => {
      const ax = spmm(ah, x);
      return { y: matmul(ax, W, { transB: true }).data, gW: matmul(dy, ax, { transA: true }).data, dx: spmm(csrTranspose(ah), matmul(dy, W)).data };
    };
    const e1 = ref(x1, dy1);
    const e2 = ref(x2, dy2);
    const y1 = layer.forward(x1);
    const y1Copy = Float64Array.from(y1.data);
    layer.zeroGrad();
    const dx1 = layer.backward(dy1);
    const dx1Copy = Float64Array.from(dx1.data);
    expect(Array.from(dx1.data)).toEqual(Array.from(e1.dx));
    expect(Array.from(layer.parameters()[0]!.grad)).toEqual(Array.from(e1.gW));
    const y2 = layer.forward(x2);
    // A forward that throws (a NaN in x) leaves backward reading the last good pass.
    const bad: Matrix<Float64Array> = { ...x1, data: x1.data.slice() };
    bad.data[3] = Number.NaN;
    expect(() => layer.forward(bad)).toThrow(DomainError);
    layer.zeroGrad();
    const dx2 = layer.backward(dy2);
    expect(Array.from(dx2.data)).toEqual(Array.from(e2.dx));
    expect(Array.from(layer.parameters()[0]!.grad)).toEqual(Array.from(e2.gW));
    // Earlier results are not overwritten by later passes.
    expect(y2.data).not.toBe(y1.data);
    expect(dx2.data).not.toBe(dx1.data);
    expect(Array.from(y1.data)).toEqual(Array.from(y1Copy));
    expect(Array.from(dx1.data)).toEqual(Array.from(dx1Copy));
    for (let i = 0; i < 4; i++) expect(y1.data[i]).toBe(e1.y[i]! + layer.bias![i % 4]!);
    // A wrongly shaped dy is refused before any gradient moves.
    const before = Float64Array.from(layer.parameters()[0]!.grad);
    expect(() => layer.backward({ rows: fx.n, cols: 3, data: new Float64Array(fx.n * 3) })).toThrow(ShapeError);
    expect(Array.from(layer.parameters()[0]!.grad)).toEqual(Array.from(before));
  });
  it('GcnNet backward passes finite differences', () => {
    const net = new GcnNet(ah, [6, 5, 5, 3], { variances: [0.5, 0.5, 0.5], seed: 2 });
    const x = mat(fx.X);
    const loss = () => {
      const y = net.forward(x);
      let s = 0;
      for (let i = 0; i < y.data.length; i++) s += 0.5 * y.data[i]! ** 2;
      return s;
    };
    const y = net.forward(x);
    net.zeroGrad();
    net.backward(y);
    for (const p of net.parameters()) expect(fdCheck(p.value, p.grad, loss)).toBeLessThan(1e-5);
  });
  it("passes @x/nn's gradCheck (module form: parameters and input)", () => {
    const layer = new GcnLayer(ah, 6, 4, { seed: 3, bias: true, variance: 0.4 });
    const report = gradCheck(layer, mat(fx.X));
    expect(report.passed).toBe(true);
    expect(report.maxRelError).toBeLessThan(1e-6);
  });
  it('GcnNet toJSON/fromJSON round trip is exact', () => {
    const net = new GcnNet(ah, [6, 5, 3], { variances: [0.5, 0.5], seed: 7 });
    const copy = GcnNet.fromJSON(JSON.parse(JSON.stringify(net.toJSON())));
    expect(Array.from(copy.forward(mat(fx.X)).data)).toEqual(Array.from(net.forward(mat(fx.X)).data));
  });
  it('toJSON/fromJSON round trip is exact; bad shapes are ShapeErrors', () => {
    const layer = new GcnLayer(ah, 6, 4, { seed: 1, bias: true });
    layer.bias!.set([1, 2, 3, 4]);
    const copy = GcnLayer.fromJSON(JSON.parse(JSON.stringify(layer.toJSON())));
    expect(Array.from(copy.forward(mat(fx.X)).data)).toEqual(Array.from(layer.forward(mat(fx.X)).data));
    expect(() => layer.forward(mat([[1, 2, 3, 4, 5, 6]]))).toThrow(ShapeError);
    const fresh = new GcnLayer(ah, 6, 4);
    expect(() => fresh.backward(mat([[1]]))).toThrow(DomainError);
  });
});

describe('graph edge cases', () => {
  it('empty and single-node graphs', () => {
    expect(erdosRenyi(0, 0.5).src.length).toBe(0);
    expect(erdosRenyi(1, 1).src.length).toBe(0);
    const a = normalizedAdjacency(edgesToCsr({ n: 1, src: new Int32Array(0), dst: new Int32Array(0) }));
    expect(Array.from(spmm(a, mat([[3, 4]])).data)).toEqual([3, 4]);
    expect(randomRegular(4, 0).src.length).toBe(0);
  });
  it('self-loops in the input are kept when asked and add to the diagonal of Â', () => {
    const a = edgesToCsr({ n: 2, src: Int32Array.from([0, 0]), dst: Int32Array.from([0, 1]) }, { dropSelfLoops: false });
    const d = csrToDense(normalizedAdjacency(a)).data;
    // A + I = [[2, 1], [1, 1]], degrees 3 and 2.
    expect(d[0]).toBeCloseTo(2 / 3, 15);
    expect(d[1]).toBeCloseTo(1 / Math.sqrt(6), 15);
    expect(d[3]).toBeCloseTo(1 / 2, 15);
  });
});
