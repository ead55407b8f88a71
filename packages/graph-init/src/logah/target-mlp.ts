import { DomainError, type Matrix, matmul, ShapeError } from '@x/gpu';
import {
  checkAlloc,
  checkFinite,
  checkMatrix,
  checkNonNegative,
  checkOptions,
  checkPositive,
  checkRng,
  checkShape,
  checkSize,
  checkSteps,
  checkVector,
  describe,
} from '@x/gpu/checks';
import { checkSizes } from '../internal/checks';
import { AdamW } from '@x/optim';
import { accuracy, softmaxCrossEntropy } from '../internal/losses';

/** Two interleaved noisy spirals in 2-D with labels 0/1 (the classic GHN/LoGAH toy target task). */
export function spirals(n: number, opts: { noise?: number; seed?: number } = {}): { X: Matrix<Float64Array>; y: Int32Array } {
  const fn = 'spirals';
  checkSize(fn, 'n', n);
  checkAlloc(fn, 'the points', n, 2);
  checkOptions(fn, opts, ['noise', 'seed']);
  const r = checkRng(fn, 'seed', opts.seed ?? 0);
  const noise = checkNonNegative(fn, 'noise', opts.noise ?? 0.05);
  const X = new Float64Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = 0.25 + 2.5 * Math.PI * r.uniform();
    const rad = t / (2.75 * Math.PI);
    const ang = t + c * Math.PI;
    X[2 * i] = rad * Math.cos(ang) * 2 + noise * r.normal();
    X[2 * i + 1] = rad * Math.sin(ang) * 2 + noise * r.normal();
    y[i] = c;
  }
  return { X: { rows: n, cols: 2, data: X }, y };
}

/** Result of {@link mlpLossAndGrads}. */
export interface MlpGrads {
  loss: number;
  accuracy: number;
  dW: Matrix<Float64Array>[];
  db: Float64Array[];
}

/**
 * Softmax-CE loss of the ReLU MLP with weights `Ws[l]` (out x in) and biases `bs[l]` on (X, y),
 * and its gradients with respect to every weight and bias (explicit backprop).
 */
export function mlpLossAndGrads(Ws: readonly Matrix[], bs: readonly Float64Array[], X: Matrix, y: Int32Array): MlpGrads {
  checkMlp('mlpLossAndGrads', Ws, bs, { X, y }, 'X', 'y');
  return lossAndGrads(Ws, bs, X, y);
}

/**
 * Throws unless `Ws`/`bs` are a chain of finite weights (out x in) and biases (length out)
 * whose first input width is X's column count, `X` is finite and `y` an Int32Array of one class
 * in [0, classes) per row of X.
 */
function checkMlp(fn: string, Ws: readonly Matrix[], bs: readonly Float64Array[], d: { X: Matrix; y: Int32Array }, xName: string, yName: string): void {
  if (!Array.isArray(Ws) || !Array.isArray(bs) || Ws.length !== bs.length || Ws.length === 0) {
    throw new ShapeError(`${fn}: Ws and bs must be non-empty arrays of the same length`);
  }
  const X = checkMatrix(fn, xName, d.X);
  checkFinite(fn, xName, X);
  let width = X.cols;
  Ws.forEach((W, l) => {
    checkShape(fn, `Ws[${l}]`, W, undefined, width);
    checkFinite(fn, `Ws[${l}]`, W);
    checkVector(fn, `bs[${l}]`, bs[l], W.rows);
    width = W.rows;
  });
  const y = d.y;
  if (!(y instanceof Int32Array)) throw new ShapeError(`${fn}: ${yName} must be an Int32Array, got ${describe(y)}`);
  if (y.length !== X.rows) throw new ShapeError(`${fn}: ${yName} has ${y.length} labels for ${X.rows} rows`);
  for (let i = 0; i < y.length; i++) {
    if (y[i]! < 0 || y[i]! >= width) throw new DomainError(`${fn}: ${yName}[${i}] = ${y[i]} is not a class in [0, ${width})`);
  }
}

/** {@link mlpLossAndGrads} on checked inputs. */
function lossAndGrads(Ws: readonly Matrix[], bs: readonly Float64Array[], X: Matrix, y: Int32Array): MlpGrads {
  const L = Ws.length;
  const acts: Matrix[] = [X];
  const pre: Matrix<Float64Array>[] = [];
  let h: Matrix = X;
  for (let l = 0; l < L; l++) {
    const z = matmul(h, Ws[l]!, { transB: true }) as Matrix<Float64Array>;
    const b = bs[l]!;
    for (let i = 0; i < z.rows; i++) for (let j = 0; j < z.cols; j++) z.data[i * z.cols + j]! += b[j]!;
    pre.push(z);
    if (l < L - 1) {
      const a = new Float64Array(z.data.length);
      for (let i = 0; i < a.length; i++) a[i] = Math.max(z.data[i]!, 0);
      h = { rows: z.rows, cols: z.cols, data: a };
      acts.push(h);
    } else h = z;
  }
  const { loss, grad } = softmaxCrossEntropy(h, y);
  const acc = accuracy(h, y);
  const dW: Matrix<Float64Array>[] = new Array(L);
  const db: Float64Array[] = new Array(L);
  let g: Matrix<Float64Array> = grad;
  for (let l = L - 1; l >= 0; l--) {
    dW[l] = matmul(g, acts[l]!, { transA: true }) as Matrix<Float64Array>;
    const dbl = new Float64Array(g.cols);
    for (let i = 0; i < g.rows; i++) for (let j = 0; j < g.cols; j++) dbl[j]! += g.data[i * g.cols + j]!;
    db[l] = dbl;
    if (l > 0) {
      const gx = matmul(g, Ws[l]!) as Matrix<Float64Array>;
      const z = pre[l - 1]!;
      for (let i = 0; i < gx.data.length; i++) if (!(z.data[i]! > 0)) gx.data[i] = 0;
      g = gx;
    }
  }
  return { loss, accuracy: acc, dW, db };
}

/** Kaiming-normal weights (He et al. 2015) and zero biases for an MLP with the given widths. */
export function kaimingMlp(widths: readonly number[], seed: number): { Ws: Matrix<Float64Array>[]; bs: Float64Array[] } {
  const fn = 'kaimingMlp';
  checkSizes(fn, 'widths', widths, 1, 2);
  for (let l = 0; l + 1 < widths.length; l++) checkAlloc(fn, `Ws[${l}]`, widths[l]!, widths[l + 1]!);
  const r = checkRng(fn, 'seed', seed);
  const Ws: Matrix<Float64Array>[] = [];
  const bs: Float64Array[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    Ws.push({ rows: fout, cols: fin, data: r.fillNormal(new Float64Array(fin * fout), Math.sqrt(2 / fin)) });
    bs.push(new Float64Array(fout));
  }
  return { Ws, bs };
}

/**
 * Fine-tunes an MLP in place with Adam (full batch on (X, y)) for `steps` steps and returns its
 * test accuracy and loss afterwards.
 */
export function fineTune(
  Ws: Matrix<Float64Array>[],
  bs: Float64Array[],
  train: { X: Matrix; y: Int32Array },
  test: { X: Matrix; y: Int32Array },
  steps: number,
  lr: number,
): { accuracy: number; loss: number } {
  checkSteps('fineTune', 'steps', steps);
  checkPositive('fineTune', 'lr', lr);
  for (const [name, d] of [['train', train], ['test', test]] as const) {
    if (d === null || typeof d !== 'object') throw new ShapeError(`fineTune: ${name} must be { X: Matrix, y: Int32Array }`);
    checkMlp('fineTune', Ws, bs, d, `${name}.X`, `${name}.y`);
  }
  const params = [
    ...Ws.map((W, l) => ({ name: `W${l}`, value: W.data, grad: new Float64Array(W.data.length) })),
    ...bs.map((b, l) => ({ name: `b${l}`, value: b, grad: new Float64Array(b.length) })),
  ];
  const opt = new AdamW({ lr, weightDecay: 0 });
  const L = Ws.length;
  for (let s = 0; s < steps; s++) {
    const g = lossAndGrads(Ws, bs, train.X, train.y);
    for (let l = 0; l < L; l++) {
      params[l]!.grad.set(g.dW[l]!.data);
      params[L + l]!.grad.set(g.db[l]!);
    }
    opt.step(params);
  }
  const e = lossAndGrads(Ws, bs, test.X, test.y);
  return { accuracy: e.accuracy, loss: e.loss };
}
