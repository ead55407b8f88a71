import { experimentResultProblems } from '@x/gpu/experiments';
import { describe, expect, it } from 'vitest';
import { experiments, winnerImages, winnerSpeech } from '../src/experiments-entry';

// The qualitative outcomes at quick size (seed 0), whatever they are: these tests fail if the
// outcome changes, in either direction.

describe('experiment inr/winner-images (quick)', () => {
  it('SIREN ends above WINNER on every icon (the claim does not reproduce here); both beat Fourier features', async () => {
    expect(experiments).toContain(winnerImages);
    const partials: number[] = [];
    const r = await winnerImages.run({ quick: true, seed: 0, onPartial: (p) => partials.push(p.plots.length) });
    const m = r.metrics!;
    expect(experimentResultProblems(r)).toEqual([]);
    expect(r.ok, r.summary).toBe(true);
    for (const k of ['ffox', 'gimp', '7zip']) {
      // WINNER's noisy init costs PSNR on these low-frequency icons at 25 px with ω₁ = 30.
      expect(m[`${k}Winner`]!, k).toBeLessThan(m[`${k}Siren`]!);
      expect(Math.min(m[`${k}Siren`]!, m[`${k}Winner`]!), k).toBeGreaterThan(m[`${k}Fourier`]! + 5);
      expect(m[`${k}Centroid`]!).toBeLessThan(0.11);
    }
    // The white-noise control is high-frequency; there WINNER and SIREN are within 2 dB.
    expect(m.noiseCentroid!).toBeGreaterThan(0.2);
    expect(Math.abs(m.noiseWinner! - m.noiseSiren!)).toBeLessThan(2);
    // The paper's part is reported, not asserted, and does not hold.
    const paper = r.checks.find((c) => c.statement === 'paper: WINNER ends above SIREN on each icon')!;
    expect(paper.asserted).toBe(false);
    expect(paper.holds).toBe(false);
    // Four PSNR-vs-step plots with one series per method, then four pictures: target and three fits.
    const lines = r.plots!.filter((p) => !p.heatmaps);
    const pics = r.plots!.filter((p) => p.heatmaps);
    expect(lines.map((p) => p.series.map((s) => s.name))).toEqual(new Array(4).fill(['SIREN', 'WINNER', 'Fourier features']));
    expect(pics).toHaveLength(4);
    for (const p of pics) {
      expect(p.heatmaps!.map((h) => [h.rows, h.cols])).toEqual(new Array(4).fill([25, 25]));
      expect(p.heatmaps![0]!.name).toBe('target');
    }
    expect(partials.length).toBeGreaterThan(0);
  });
});

describe('experiment inr/winner-speech (quick)', () => {
  it('WINNER ends above SIREN (ω₁ = 30 and 3000), and at quick size above Fourier features, on the espeak-ng clip', async () => {
    expect(experiments).toContain(winnerSpeech);
    const r = await winnerSpeech.run({ quick: true, seed: 0 });
    const m = r.metrics!;
    expect(experimentResultProblems(r)).toEqual([]);
    expect(r.ok, r.summary).toBe(true);
    expect(m.winner!).toBeGreaterThan(m.siren30! + 5);
    // Seed 0 at quick size; seed 1 reverses it, so this part is reported, not asserted, in ok.
    expect(m.winner!).toBeGreaterThan(m.siren3000!);
    expect(r.checks.find((c) => c.statement.includes('ω₁ = 3000'))!.asserted).toBe(false);
    // Above the Fourier-feature MLP at quick size only (at full size the MLP wins): not asserted in ok.
    expect(m.winner!).toBeGreaterThan(m.fourier!);
    expect(r.checks.find((c) => c.statement.includes('Fourier-feature MLP'))!.asserted).toBe(false);
    // Every method is well above the silent output.
    for (const k of ['siren30', 'siren3000', 'winner', 'fourier']) expect(m[k]!).toBeGreaterThan(m.zeroLevel! + 20);
    expect(r.plots!.map((p) => p.series.length)).toEqual([4, 5]);
  });

  it('rejects a parameter outside its range', async () => {
    await expect(winnerSpeech.run({ quick: true, params: { steps: 1 } })).rejects.toThrow(/steps must be in/);
  });
});
