import { type Matrix, matmul, rng } from '@x/gpu';
import type { ParamLike } from '../params';

/**
 * A tiny tanh MLP (in -> h -> h -> out) written with @x/gpu matmul for the optimizer race, with
 * an explicit backward pass. Weights are out x in (the torch nn.Linear layout); parameters are
 * exposed as ParamLike { name, value, grad, shape }, the shape @x/nn's Parameter has.
 */
export interface TinyMlp {
  params: ParamLike[];
  /** Mean squared error (1/2N) Σ ||ŷ - y||², filling every grad. */
  lossAndGrad(X: Matrix, Y: Matrix): number;
  /** The loss without gradients. */
  loss(X: Matrix, Y: Matrix): number;
  /** The network output. */
  predict(X: Matrix): Matrix;
}

interface Layer {
  W: Float64Array;
  b: Float64Array;
  gW: Float64Array;
  gb: Float64Array;
  out: number;
  inp: number;
}

export function tinyMlp(sizes: readonly number[], seed: number): TinyMlp {
  const r = rng(seed);
  const layers: Layer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inp = sizes[l]!;
    const out = sizes[l + 1]!;
    const W = r.fillNormal(new Float64Array(out * inp), 1 / Math.sqrt(inp));
    layers.push({ W, b: new Float64Array(out), gW: new Float64Array(out * inp), gb: new Float64Array(out), out, inp });
  }
  const params: ParamLike[] = layers.flatMap((L, i) => [
    { name: `${i}.weight`, value: L.W, grad: L.gW, shape: [L.out, L.inp] },
    { name: `${i}.bias`, value: L.b, grad: L.gb, shape: [L.out] },
  ]);
  const forward = (X: Matrix): Matrix[] => {
    const acts: Matrix[] = [X];
    let H = X;
    layers.forEach((L, i) => {
      const Z = matmul(H, { rows: L.out, cols: L.inp, data: L.W }, { transB: true });
      const z = Z.data;
      for (let p = 0; p < H.rows; p++) for (let j = 0; j < L.out; j++) z[p * L.out + j] = z[p * L.out + j]! + L.b[j]!;
      if (i + 1 < layers.length) for (let q = 0; q < z.length; q++) z[q] = Math.tanh(z[q]!);
      acts.push(Z);
      H = Z;
    });
    return acts;
  };
  const mse = (P: Matrix, Y: Matrix): number => {
    let s = 0;
    for (let q = 0; q < P.data.length; q++) s += (P.data[q]! - Y.data[q]!) ** 2;
    return s / (2 * Y.rows);
  };
  return {
    params,
    loss: (X, Y) => mse(forward(X).at(-1)!, Y),
    predict: (X) => forward(X).at(-1)!,
    lossAndGrad(X, Y) {
      const acts = forward(X);
      const P = acts.at(-1)!;
      const N = Y.rows;
      let D: Matrix = { rows: P.rows, cols: P.cols, data: new Float64Array(P.data.length) };
      for (let q = 0; q < P.data.length; q++) D.data[q] = (P.data[q]! - Y.data[q]!) / N;
      for (let i = layers.length - 1; i >= 0; i--) {
        const L = layers[i]!;
        const Hin = acts[i]!;
        L.gW.set(matmul(D, Hin, { transA: true }).data);
        L.gb.fill(0);
        for (let p = 0; p < D.rows; p++) for (let j = 0; j < L.out; j++) L.gb[j] += D.data[p * L.out + j]!;
        if (i === 0) break;
        const dH = matmul(D, { rows: L.out, cols: L.inp, data: L.W });
        const h = Hin.data;
        for (let q = 0; q < dH.data.length; q++) dH.data[q] = dH.data[q]! * (1 - h[q]! * h[q]!);
        D = dH;
      }
      return mse(P, Y);
    },
  };
}

/** A teacher-student regression set: Y = teacher(X) for a random tanh teacher network. */
export function teacherData(n: number, sizes: readonly number[], seed: number): { X: Matrix; Y: Matrix } {
  const r = rng(seed);
  const X = { rows: n, cols: sizes[0]!, data: r.fillNormal(new Float64Array(n * sizes[0]!)) };
  const teacher = tinyMlp(sizes, seed + 1);
  for (const p of teacher.params) {
    const v = p.value as Float64Array;
    if (p.shape?.length === 1) r.fillNormal(v, 0.5);
    else for (let q = 0; q < v.length; q++) v[q] = v[q]! * 2;
  }
  return { X, Y: teacher.predict(X) };
}
