/**
 * The static types of `matrix`: checked by `typecheck` (tsc over test/), and at run time the
 * storage is what the type says.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Matrix, matrix } from '../src';

describe('matrix overloads', () => {
  it('a Float32Array gives Matrix<Float32Array>, anything else Matrix<Float64Array>', () => {
    const f32 = matrix(2, 2, new Float32Array(4));
    expectTypeOf(f32).toEqualTypeOf<Matrix<Float32Array>>();
    expect(f32.data).toBeInstanceOf(Float32Array);
    const f64 = matrix(2, 2, [1, 2, 3, 4]);
    expectTypeOf(f64).toEqualTypeOf<Matrix<Float64Array>>();
    expect(f64.data).toBeInstanceOf(Float64Array);
    expectTypeOf(matrix(2, 2)).toEqualTypeOf<Matrix<Float64Array>>();
    expectTypeOf(matrix(2, 2, new Float64Array(4))).toEqualTypeOf<Matrix<Float64Array>>();
  });
});
