import { DomainError, type Matrix, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { accuracy, assertGradCheck, l1Loss, mseLoss, psnr, softmax, softmaxCrossEntropyLoss } from '../src';
import fx from './fixtures/functional-reference.json';
import { expectClose } from './helpers';

const mat = (rows: number, cols: number, data: ArrayLike<number>): Matrix => ({ rows, cols, data: Float64Array.from(data) });
const L = fx.losses;
const C = fx.cross_entropy;
const pred = mat(L.rows, L.cols, L.pred);
const target = mat(L.rows, L.cols, L.target);
const logits = mat(C.rows, C.cols, C.logits);

describe('losses vs numpy/scipy (tooling/fixtures/nn_functional.py)', () => {
  it('MSE and L1 values, mean and sum reductions', () => {
    expect(mseLoss(pred, target).value).toBeCloseTo(L.mse, 14);
    expect(mseLoss(pred, target, { reduction: 'sum' }).value).toBeCloseTo(L.mse_sum, 13);
    expect(l1Loss(pred, target).value).toBeCloseTo(L.l1, 14);
  });

  it('softmax cross-entropy with labels and soft targets, logits up to ~1e3', () => {
    const byLabel = softmaxCrossEntropyLoss(logits, C.labels);
    expect(byLabel.value).toBeCloseTo(C.labels_value, 11);
    expectClose(byLabel.grad.data, C.labels_grad, 1e-12, 1e-15);
    // Labels as a batch x 1 matrix and as one-hot rows give the same thing.
    const asCol = softmaxCrossEntropyLoss(logits, mat(C.rows, 1, C.labels));
    expect(asCol.value).toBe(byLabel.value);
    const oneHot = new Float64Array(C.rows * C.cols);
    C.labels.forEach((c, i) => {
      oneHot[i * C.cols + c] = 1;
    });
    expect(softmaxCrossEntropyLoss(logits, mat(C.rows, C.cols, oneHot)).value).toBeCloseTo(C.labels_value, 11);
    const soft = softmaxCrossEntropyLoss(logits, mat(C.rows, C.cols, C.soft));
    expect(soft.value).toBeCloseTo(C.soft_value, 10);
    expectClose(soft.grad.data, C.soft_grad, 1e-12, 1e-15);
    expectClose(softmax(logits).data, C.softmax, 1e-13, 1e-300);
    expect(Number.isFinite(softmaxCrossEntropyLoss(mat(1, 2, [1e308, -1e308]), [1]).value)).toBe(false);
    expect(softmaxCrossEntropyLoss(mat(1, 3, [1000, 0, -1000]), [0]).value).toBe(0);
  });
});

describe('loss gradients pass gradCheck', () => {
  const r = rng(5);
  const p = mat(5, 3, r.fillNormal(new Float64Array(15)));
  const t = mat(5, 3, r.fillNormal(new Float64Array(15)));
  it('MSE (mean and sum)', () => {
    assertGradCheck(mseLoss, [p, t]);
    assertGradCheck((a: Matrix, b: Matrix) => mseLoss(a, b, { reduction: 'sum' }), [p, t]);
    // And with respect to the target: d/dt = -d/dp.
    assertGradCheck((a: Matrix, b: Matrix) => {
      const res = mseLoss(b, a);
      return { value: res.value, grad: { rows: 5, cols: 3, data: res.grad.data.map((v) => -v) } };
    }, [t, p]);
  });
  it('L1 (away from its kink)', () => assertGradCheck(l1Loss, [p, t]));
  it('softmax cross-entropy, labels and soft targets', () => {
    assertGradCheck((z: Matrix) => softmaxCrossEntropyLoss(z, [0, 2, 1, 1, 0]), [p]);
    assertGradCheck((z: Matrix) => softmaxCrossEntropyLoss(z, mat(C.rows, C.cols, C.soft)), [mat(C.rows, C.cols, C.logits.map((v) => v / 100))]);
  });
});

describe('loss errors', () => {
  it('name the function and both shapes', () => {
    expect(() => mseLoss(pred, mat(2, 2, [1, 2, 3, 4]))).toThrow(ShapeError);
    expect(() => mseLoss(pred, mat(2, 2, [1, 2, 3, 4]))).toThrow(/mseLoss: pred is 6x5, target is 2x2/);
    expect(() => l1Loss(pred, mat(6, 4, new Float64Array(24)))).toThrow(/l1Loss: pred is 6x5, target is 6x4/);
    expect(() => softmaxCrossEntropyLoss(logits, [0, 1])).toThrow(ShapeError);
    expect(() => softmaxCrossEntropyLoss(logits, mat(7, 3, new Float64Array(21)))).toThrow(/7x4 \(probabilities\) or 7x1/);
    expect(() => softmaxCrossEntropyLoss(logits, [0, 1, 2, 3, 4, 0, 0])).toThrow(DomainError);
    expect(() => softmaxCrossEntropyLoss(logits, [0, 1, 2, 0.5, 1, 0, 0])).toThrow(/label 3 is 0.5/);
    expect(() => mseLoss(pred, target, { reduction: 'none' as never })).toThrow(DomainError);
  });
});

describe('metrics', () => {
  it('accuracy from scores with labels, one-hot, and binary logits', () => {
    const scores = mat(4, 3, [0.1, 0.9, 0, 2, 1, 0, 0, 0, 5, 1, 3, 2]);
    expect(accuracy(scores, [1, 0, 2, 0])).toBe(0.75);
    expect(accuracy(scores, mat(4, 1, [1, 0, 2, 1]))).toBe(1);
    const oneHot = mat(4, 3, [0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0]);
    expect(accuracy(scores, oneHot)).toBe(0.75);
    expect(accuracy(mat(3, 1, [-1, 2, 0.5]), [0, 1, 0])).toBeCloseTo(2 / 3, 15);
    expect(() => accuracy(scores, [1, 2])).toThrow(ShapeError);
  });
  it('PSNR', () => {
    const a = mat(1, 4, [0, 0.5, 1, 0.25]);
    const b = mat(1, 4, [0.1, 0.5, 0.9, 0.25]);
    // MSE = 0.005 -> 10 log10(1 / 0.005)
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10(200), 12);
    expect(psnr(a, b, { maxValue: 255 })).toBeCloseTo(10 * Math.log10(255 ** 2 / 0.005), 12);
    expect(psnr(a, a)).toBe(Infinity);
    expect(() => psnr(a, mat(2, 2, [0, 0, 0, 0]))).toThrow(/psnr: pred is 1x4, target is 2x2/);
    expect(() => psnr(a, b, { maxValue: -1 })).toThrow(DomainError);
  });
});
