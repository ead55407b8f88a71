// Issue 16, @x/linalg: the causes the fuzz suite found, one representative call each. Sizes are
// checked before anything is allocated (no hang on 2^31 dims), option objects refuse unknown keys
// and non-objects, and structured arguments (LU factors, WY forms, reflectors) are validated.
import { DomainError, matrix, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  applyHouseholder,
  applyWY,
  butterflyDft,
  butterflyLossGradient,
  butterflyMultiply,
  fft,
  fromMlMatrix,
  householder,
  learnButterflyDft,
  luFactor,
  luSolve,
  morletScalogram,
  solveTriangular,
  toArray2D,
  toMlMatrix,
  unitaryDftMatrix,
  wyForm,
} from '../src/index';

const a = matrix(3, 3, [4, 1, 2, 1, 5, 3, 2, 3, 6]);
const huge = { rows: 2 ** 31, cols: 2 ** 31, data: new Float64Array(12) };

describe('issue 16: bad input to @x/linalg is a typed error naming the function called', () => {
  it('toArray2D / toMlMatrix check the shape before allocating (2^31 dims no longer hangs)', () => {
    expect(() => toArray2D(huge as never)).toThrow(ShapeError);
    expect(() => toArray2D({ rows: -3, cols: -4, data: new Float64Array(12) } as never)).toThrow(/^toArray2D: a/);
    expect(() => toMlMatrix(huge as never, Array as never)).toThrow(/^toMlMatrix: a/);
    expect(() => toMlMatrix(a, null as never)).toThrow(/toMlMatrix: ctor must be a function/);
    expect(() => fromMlMatrix(null as never)).toThrow(ShapeError);
    expect(toArray2D(matrix(1, 2, [1, 2]))).toEqual([[1, 2]]);
  });

  it('option objects: unknown keys, null and strings are DomainErrors listing the valid keys', () => {
    expect(() => fft([1, 2, 3, 4], { nrom: 'ortho' } as never)).toThrow(/fft: unknown option "nrom"; valid options are norm, out/);
    expect(() => fft([1, 2, 3, 4], null as never)).toThrow(DomainError);
    expect(() => morletScalogram(new Float64Array(8), 'x' as never)).toThrow(/^morletScalogram:/);
    expect(() => solveTriangular(a, [1, 2, 3], { lower: 'yes' } as never)).toThrow(/solveTriangular: lower must be true or false/);
    expect(() => learnButterflyDft({ n: 4, stpes: 3 } as never)).toThrow(/learnButterflyDft: unknown option "stpes"/);
  });

  it('structured arguments are checked where they enter', () => {
    const f = luFactor(a);
    expect(Object.keys(f).sort()).toEqual(['lu', 'perm', 'sign']);
    expect(() => luSolve({ ...f, sign: -f.sign }, [1, 2, 3])).toThrow(/luSolve: f.sign is .* but f.perm has sign/);
    expect(() => applyWY(a, null as never)).toThrow(/applyWY: wy/);
    const h = householder(new Float64Array([1, 2, 2]));
    expect(() => applyHouseholder(a, null as never)).toThrow(ShapeError);
    expect(() => applyHouseholder(a, h, { side: 'left', fuzz: 1 } as never)).toThrow(DomainError);
    expect(applyWY(a, wyForm(matrix(3, 1, [1, 0, 0]), new Float64Array([0])), {}).data).toEqual(a.data);
    const b = butterflyDft(4);
    expect(() => butterflyMultiply(b, null as never)).toThrow(/butterflyMultiply: x/);
    const t = unitaryDftMatrix(4);
    expect(() => butterflyLossGradient(b, { re: t.re, im: null } as never)).toThrow(/butterflyLossGradient: target.im/);
  });
});
