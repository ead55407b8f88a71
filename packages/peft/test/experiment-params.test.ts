import { DomainError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { crossInitToy, experiments, sokaVsLora } from '../src/experiments-entry';

describe('@x/peft experiments: declared parameters (the demo page sliders, the runner flags)', () => {
  it('cross-init-toy: steps sets the length of the loss curves, and is range-checked', async () => {
    const r = await crossInitToy.run({ quick: true, seed: 0, params: { steps: 100 } });
    for (const s of r.plots![0]!.series) expect(s.x).toHaveLength(101);
    await expect(crossInitToy.run({ quick: true, params: { steps: 10 } })).rejects.toThrow(/steps must be in \[50, 3000\]/);
  });

  it('every experiment declares at least one parameter', () => {
    for (const e of experiments) expect(e.params?.length ?? 0, e.id).toBeGreaterThan(0);
  });

  it('soka-vs-lora: fewer steps change the final losses; an out-of-range value is a DomainError naming the experiment', async () => {
    const full = await sokaVsLora.run({ quick: true, seed: 0 });
    const short = await sokaVsLora.run({ quick: true, seed: 0, params: { steps: 50 } });
    expect(short.metrics!.steps).toBe(50);
    expect(short.metrics!.kronSoka).not.toBe(full.metrics!.kronSoka);
    expect(short.plots![0]!.series[0]!.x).toHaveLength(51);
    const err = await sokaVsLora.run({ quick: true, params: { steps: 5000 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as Error).message).toMatch(/peft\/soka-vs-lora: steps must be in \[50, 1200\]/);
  });
});
