import { describe, expect, it } from 'vitest';
import { benchmarks, runBenchmarks, selectBenchmarks } from '../src/registry';
import { markdownTable, textTable } from '../src/table';

describe('benchmark registry', () => {
  it('has unique ids and per-mode sizes', () => {
    const ids = benchmarks.map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const b of benchmarks) {
      for (const mode of ['full', 'quick', 'tiny'] as const) expect(b.sizes[mode].length).toBeGreaterThan(0);
    }
    expect(selectBenchmarks('matmul').map((b) => b.id)).toEqual(['matmul']);
    expect(selectBenchmarks('no-such-benchmark')).toEqual([]);
  });

  it('runs every benchmark in tiny mode and reports well-formed rows', async () => {
    const reports = await runBenchmarks({ mode: 'tiny' });
    expect(reports.map((r) => r.id)).toEqual(benchmarks.map((b) => b.id));
    for (const r of reports) {
      expect(r.rows.length).toBeGreaterThan(0);
      expect(r.rows.some((row) => row.impl === r.baseline)).toBe(true);
      for (const row of r.rows) {
        expect(r.sizes).toContain(row.n);
        expect(['ok', 'unavailable']).toContain(row.status);
        if (row.status === 'unavailable') {
          expect(row.note).toBeTruthy();
          continue;
        }
        expect(row.ms).toBeGreaterThan(0);
        expect(row.gflops).toBeGreaterThan(0);
        expect(row.reps).toBe(1);
        expect(Number.isFinite(row.vsBaseline)).toBe(true);
        expect(row.relErr).toBeLessThan(1e-5);
        if (row.impl === r.baseline) expect(row.vsBaseline).toBe(1);
      }
      expect(textTable(r)).toContain(r.baseline);
      expect(markdownTable(r).split('\n')).toHaveLength(r.rows.length + 2);
    }
  });

  it('matmul covers ml-matrix, the naive loop and every @x/gpu backend', async () => {
    const [r] = await runBenchmarks({ mode: 'tiny', filter: 'matmul', sizes: [5] });
    const impls = r!.rows.map((row) => row.impl);
    expect(impls).toContain('ml-matrix mmul f64');
    expect(impls).toContain('naive i-j-k loop f64');
    expect(impls).toContain('@x/gpu matmul js f64');
    expect(impls).toContain('@x/gpu matmul js f32');
    expect(impls.some((i) => i.startsWith('@x/gpu gpujs device'))).toBe(true);
    expect(impls.some((i) => i.startsWith('@x/gpu wasm device'))).toBe(true);
    expect(r!.sizes).toEqual([5]);
  });
});
