// Issue 16, @x/optim: one representative call per cause the fuzz suite found. Optimizers refuse
// unknown options, non-finite weights (not only gradients) and shapes that do not hold their
// values; Muon refuses a state built for another shape of the same size.
import { DomainError, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { AdamW, Muon, muonShapeScale, scheduleFactor, SGD, sinkhornStep, warmupCosine } from '../src';

const expectBits = (a: Float64Array, b: Float64Array) => {
  expect(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).toEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
};

const param = (rows: number, cols: number, w = 0.5) => ({
  name: 'w',
  value: new Float64Array(rows * cols).fill(w),
  grad: new Float64Array(rows * cols).fill(0.1),
  shape: [rows, cols],
});

describe('issue 16: bad input to @x/optim is a typed error naming the optimizer or function', () => {
  it('Muon: a 6x4 state is not reused for a 4x6 parameter of the same name', () => {
    const m = new Muon({ lr: 0.02 });
    m.step([param(6, 4)]);
    expect(() => m.step([param(4, 6)])).toThrow(ShapeError);
    expect(() => m.step([param(4, 6)])).toThrow(/Muon: parameter "w" is 4x6, but the optimizer state was built for 6x4/);
    m.step([param(6, 4)]);
    expect(m.stepCount).toBe(2);
  });

  it('Muon: the shape a state was built for is saved, so a restored Muon refuses the transposed parameter too', () => {
    // Shape told (`shape`) and inferred (a Matrix value): both are remembered and serialized.
    const told = () => ({ name: 'w', value: Float64Array.from({ length: 24 }, (_, i) => Math.sin(i)), grad: new Float64Array(24), shape: [6, 4] });
    const inferred = () => ({ name: 'u', value: { rows: 3, cols: 5, data: Float64Array.from({ length: 15 }, (_, i) => Math.cos(i)) }, grad: new Float64Array(15) });
    const grad = (ps: Array<ReturnType<typeof told> | ReturnType<typeof inferred>>, t: number) => {
      for (const p of ps) {
        const w = p.value instanceof Float64Array ? p.value : p.value.data;
        for (let i = 0; i < w.length; i++) p.grad[i] = w[i]! - Math.sin(3 * i + t);
      }
    };
    const run = (restoreAfter: number | null) => {
      const ps = [told(), inferred()];
      let m = new Muon({ lr: 0.02, weightDecay: 0.01 });
      for (let t = 1; t <= 5; t++) {
        grad(ps, t);
        m.step(ps);
        if (t === restoreAfter) m = Muon.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      }
      return { ps, m };
    };
    const ref = run(null);
    const resumed = run(2);
    for (let k = 0; k < 2; k++) {
      const a = ref.ps[k]!.value;
      const b = resumed.ps[k]!.value;
      expectBits(a instanceof Float64Array ? a : a.data, b instanceof Float64Array ? b : b.data);
    }
    expect(JSON.stringify(resumed.m.toJSON())).toBe(JSON.stringify(ref.m.toJSON()));
    const j = JSON.parse(JSON.stringify(ref.m.toJSON()));
    expect([j.state.params.w.rows, j.state.params.w.cols]).toEqual([6, 4]);
    expect([j.state.params.u.rows, j.state.params.u.cols]).toEqual([3, 5]);
    // The restored optimizer refuses a same-size parameter of another shape, as the original does.
    const restored = Muon.fromJSON(j);
    expect(() => ref.m.step([param(4, 6)])).toThrow(/built for 6x4/);
    expect(() => restored.step([param(4, 6)])).toThrow(ShapeError);
    expect(() => restored.step([param(4, 6)])).toThrow(/Muon: parameter "w" is 4x6, but the optimizer state was built for 6x4/);
    // An envelope saved before the shape was kept is still read; the next step learns the shape.
    const old = JSON.parse(JSON.stringify(j));
    for (const st of Object.values(old.state.params as Record<string, { rows?: number; cols?: number }>)) {
      delete st.rows;
      delete st.cols;
    }
    const fromOld = Muon.fromJSON(old);
    fromOld.step([param(6, 4)]);
    expect(() => fromOld.step([param(4, 6)])).toThrow(/built for 6x4/);
    // A shape that does not hold the saved momentum is a DomainError naming the field.
    const bad = JSON.parse(JSON.stringify(j));
    bad.state.params.w.rows = 4;
    expect(() => Muon.fromJSON(bad)).toThrow(DomainError);
    expect(() => Muon.fromJSON(bad)).toThrow(/Muon\.fromJSON: state\.params\.w: rows and cols/);
    delete bad.state.params.w.cols;
    expect(() => Muon.fromJSON(bad)).toThrow(/state\.params\.w/);
  });

  it('weights are checked as well as gradients, and the shape must hold the values', () => {
    const p = param(2, 3);
    p.value[4] = Number.NaN;
    expect(() => new AdamW().step([p])).toThrow(/AdamW: value of "w"\[4\] is NaN/);
    expect(() => new SGD().step([{ ...param(2, 3), shape: 'list' as never }])).toThrow(ShapeError);
  });

  it('options: unknown keys, non-objects and non-boolean flags', () => {
    expect(() => new AdamW({ weightDecy: 0.1 } as never)).toThrow(/AdamW: unknown option "weightDecy"/);
    expect(() => new SGD(null as never)).toThrow(DomainError);
    expect(() => new Muon({ nesterov: 1 } as never)).toThrow(/Muon: nesterov must be true or false/);
    expect(() => sinkhornStep({ rows: 1, cols: 1, data: new Float64Array(1) }, { mode: 'both' } as never)).toThrow(DomainError);
    expect(() => warmupCosine(null as never)).toThrow(DomainError);
  });

  it('scheduleFactor and muonShapeScale check their arguments', () => {
    const s = warmupCosine({ warmup: 2, total: 10 });
    expect(() => scheduleFactor(s, 1.5)).toThrow(/scheduleFactor: t/);
    expect(() => scheduleFactor({ ...s, minFactor: Number.NaN } as never, 3)).toThrow(DomainError);
    expect(() => muonShapeScale('kellr' as never, 6, 4)).toThrow(/muonShapeScale: kind/);
    expect(muonShapeScale('keller', 6, 4)).toBeCloseTo(Math.sqrt(1.5), 15);
  });
});
