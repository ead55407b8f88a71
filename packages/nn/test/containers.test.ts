import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertGradCheck,
  GELU,
  Linear,
  type Module,
  type ModuleJSON,
  moduleFromJSON,
  type Parameter,
  parameterCount,
  ReLU,
  Residual,
  registerModule,
  Sequential,
  SiLU,
  Sine,
  Softplus,
  Tanh,
} from '../src';
import { expectBitwiseEqual } from './helpers';

const randm = (rows: number, cols: number, seed: number): Matrix => ({ rows, cols, data: rng(seed).fillNormal(new Float64Array(rows * cols)) });

describe('Sequential', () => {
  const mlp = () =>
    new Sequential(new Linear(3, 6, { seed: 1, biasInit: 'fan-in-uniform' }), new Tanh(), new Linear(6, 4, { seed: 2 }), new GELU(), new Linear(4, 2, { seed: 3 }));

  it('passes gradCheck for every parameter and the input', () => {
    const rep = assertGradCheck(mlp(), randm(5, 3, 4));
    expect(rep.parameters.map((p) => p.name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    expect(rep.inputs.map((p) => p.name)).toEqual(['input']);
    expect(rep.maxRelError).toBeLessThan(1e-5);
  });

  it('names parameters by child index and shares their storage', () => {
    const s = mlp();
    const ps = s.parameters();
    expect(ps[2]!.value).toBe((s.layers[2] as Linear).weight.data);
    expect(parameterCount(s)).toBe(3 * 6 + 6 + 6 * 4 + 4 + 4 * 2 + 2);
    s.forward(randm(2, 3, 1));
    s.backward(randm(2, 2, 2));
    expect(ps.some((p) => p.grad.some((v) => v !== 0))).toBe(true);
    s.zeroGrad();
    expect(ps.every((p) => p.grad.every((v) => v === 0))).toBe(true);
  });

  it('accepts an array, rejects non-modules, and reports shape errors from the failing layer', () => {
    expect(new Sequential([new ReLU(), new Tanh()]).layers.length).toBe(2);
    expect(() => new Sequential(new ReLU(), {} as Module)).toThrow(DomainError);
    const bad = new Sequential(new Linear(3, 4), new Linear(5, 2));
    expect(() => bad.forward(randm(2, 3, 1))).toThrow(ShapeError);
    expect(() => bad.forward(randm(2, 3, 1))).toThrow(/Linear\(5, 2\): x is 2x4, expected batch x 5/);
  });

  it('runs the async path to the same numbers', async () => {
    const a = mlp();
    const b = mlp();
    const x = randm(4, 3, 9);
    const dy = randm(4, 2, 10);
    expectBitwiseEqual((await b.forwardAsync(x)).data, a.forward(x).data);
    expectBitwiseEqual((await b.backwardAsync(dy)).data, a.backward(dy).data);
  });
});

describe('Residual', () => {
  it('computes x + body(x) and passes gradCheck', () => {
    const body = new Sequential(new Linear(4, 8, { seed: 1 }), new SiLU(), new Linear(8, 4, { seed: 2, biasInit: 'fan-in-uniform' }));
    const r = new Residual(body);
    const x = randm(3, 4, 5);
    const y = r.forward(x);
    const b = body.forward(x);
    for (let i = 0; i < y.data.length; i++) expect(y.data[i]).toBe(x.data[i]! + b.data[i]!);
    const rep = assertGradCheck(r, x);
    expect(rep.parameters[0]!.name).toBe('body.0.weight');
  });

  it('rejects a body that changes the shape', () => {
    expect(() => new Residual(new Linear(4, 3)).forward(randm(2, 4, 1))).toThrow(/Residual: body maps 2x4 to 2x3/);
  });
});

describe('serialization', () => {
  const build = (seed: number, width: number, act: number): Sequential => {
    const acts = [new ReLU(), new GELU({ approximate: 'tanh' }), new Sine({ omega0: 3 + seed }), new Softplus({ beta: 2 }), new Tanh()];
    return new Sequential(
      new Linear(2, width, { seed, biasInit: 'fan-in-uniform' }),
      acts[act % acts.length]!,
      new Residual(new Sequential(new Linear(width, width, { seed: seed + 1 }), new Tanh(), new Linear(width, width, { seed: seed + 2, bias: false }))),
      new Linear(width, 1, { seed: seed + 3 }),
    );
  };

  it('toJSON -> JSON text -> moduleFromJSON gives the same parameters and outputs (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 6 }), fc.nat(10), (seed, width, act) => {
        const m = build(seed, width, act);
        const back = moduleFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
        const pa = m.parameters();
        const pb = back.parameters();
        expect(pb.map((p) => p.name)).toEqual(pa.map((p) => p.name));
        for (let i = 0; i < pa.length; i++) expectBitwiseEqual(pb[i]!.value, pa[i]!.value);
        const x = randm(3, 2, seed);
        expectBitwiseEqual(back.forward(x).data, m.forward(x).data);
        expect(back.toJSON()).toEqual(m.toJSON());
      }),
      { numRuns: 40 },
    );
  });

  it('resolves types from other packages through a registry or registerModule', () => {
    // A layer as a domain package would write it: y = x * s with a learnable scalar s.
    class Scale implements Module {
      readonly s = new Float64Array([1.5]);
      readonly g = new Float64Array(1);
      private x: Matrix | null = null;
      forward(x: Matrix): Matrix {
        this.x = x;
        return { rows: x.rows, cols: x.cols, data: x.data.map((v) => v * this.s[0]!) };
      }
      backward(dy: Matrix): Matrix {
        const x = this.x!;
        for (let i = 0; i < dy.data.length; i++) this.g[0]! += dy.data[i]! * x.data[i]!;
        return { rows: dy.rows, cols: dy.cols, data: dy.data.map((v) => v * this.s[0]!) };
      }
      parameters(): Parameter[] {
        return [{ name: 's', value: this.s, grad: this.g, shape: [1] }];
      }
      zeroGrad(): void {
        this.g.fill(0);
      }
      toJSON(): ModuleJSON {
        return { type: 'TestScale', s: this.s[0] };
      }
      static fromJSON(j: ModuleJSON): Scale {
        const m = new Scale();
        m.s[0] = j.s as number;
        return m;
      }
    }
    const net = new Sequential(new Linear(2, 2, { seed: 1 }), new Scale());
    assertGradCheck(net, randm(3, 2, 2));
    const json = JSON.parse(JSON.stringify(net));
    expect(() => moduleFromJSON(json)).toThrow(/unknown module type "TestScale"/);
    expect(moduleFromJSON(json, { TestScale: Scale.fromJSON }).parameters().map((p) => p.name)).toEqual(['0.weight', '0.bias', '1.s']);
    registerModule('TestScale', Scale.fromJSON);
    expect(moduleFromJSON(json)).toBeInstanceOf(Sequential);
    expect(() => moduleFromJSON({ nope: 1 } as never)).toThrow(DomainError);
  });
});
