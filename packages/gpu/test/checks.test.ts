/**
 * Every message of @x/gpu/checks, tested once, and the strict isMatrix. The sources are imported
 * (typecheck runs before this package's own build); package.test.ts checks the subpath export.
 */
import { AbortError, DomainError, isMatrix, matrix, ShapeError, toRows, transpose, zeros } from '../src';
import {
  checkAborted,
  checkAlloc,
  checkBoolean,
  checkFinite,
  checkFunction,
  checkInt,
  checkKey,
  checkMatrix,
  checkNonNegative,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkPositive,
  checkRank,
  checkSeed,
  checkShape,
  checkSize,
  checkSteps,
  checkUnit,
  checkVector,
  describe as show,
  MAX_ELEMENTS,
  MAX_STEPS,
} from '../src/checks';
import { describe, expect, it } from 'vitest';

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

function expectError(f: () => unknown, cls: typeof DomainError | typeof ShapeError | typeof AbortError, message: string): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(cls);
  expect(e.message).toBe(message);
}

describe('@x/gpu/checks messages', () => {
  it('checkInt', () => {
    expect(checkInt('f', 'n', 3, 1, 5)).toBe(3);
    expectError(() => checkInt('f', 'n', 1.5, 1, 5), DomainError, 'f: n must be an integer in [1, 5], got 1.5');
    expectError(() => checkInt('f', 'n', -1), DomainError, 'f: n must be an integer >= 0, got -1');
    expectError(() => checkInt('f', 'n', Infinity), DomainError, 'f: n must be an integer >= 0, got Infinity');
    expectError(() => checkInt('f', 'n', 2 ** 53), DomainError, `f: n must be an integer >= 0, got ${2 ** 53}`);
    expectError(() => checkInt('f', 'n', '3'), DomainError, 'f: n must be an integer >= 0, got "3"');
  });

  it('checkSize and checkSteps bound counts by the documented maxima', () => {
    expect(checkSize('f', 'n', MAX_ELEMENTS)).toBe(MAX_ELEMENTS);
    expectError(() => checkSize('f', 'n', 1e9), DomainError, `f: n must be an integer in [0, ${MAX_ELEMENTS}], got 1000000000`);
    expect(checkSteps('f', 'steps', MAX_STEPS)).toBe(MAX_STEPS);
    expectError(() => checkSteps('f', 'steps', Infinity, 1), DomainError, `f: steps must be an integer in [1, ${MAX_STEPS}], got Infinity`);
  });

  it('checkAlloc', () => {
    expect(checkAlloc('f', 'the output', 3, 4)).toBe(12);
    expectError(
      () => checkAlloc('f', 'the output', 2 ** 20, 2 ** 20),
      DomainError,
      `f: the output would hold 1048576 x 1048576 = ${2 ** 40} elements, more than the maximum ${MAX_ELEMENTS} (2^28)`,
    );
    expectError(() => checkAlloc('f', 'the output', 3, -1), DomainError, 'f: the output has a dimension of -1; dimensions must be non-negative integers');
  });

  it('checkNumber, checkPositive, checkNonNegative', () => {
    expect(checkNumber('f', 'x', -2)).toBe(-2);
    expectError(() => checkNumber('f', 'x', NaN), DomainError, 'f: x must be a finite number, got NaN');
    expect(checkPositive('f', 'lr', 0.1)).toBe(0.1);
    expectError(() => checkPositive('f', 'lr', 0), DomainError, 'f: lr must be a finite number > 0, got 0');
    expect(checkNonNegative('f', 'wd', 0)).toBe(0);
    expectError(() => checkNonNegative('f', 'wd', null), DomainError, 'f: wd must be a finite number >= 0, got null');
  });

  it('checkUnit', () => {
    expect(checkUnit('f', 'p', 1)).toBe(1);
    expectError(() => checkUnit('f', 'p', 1.5), DomainError, 'f: p must be in [0, 1], got 1.5');
    expectError(() => checkUnit('f', 'beta', 1, 0, 1, '[)'), DomainError, 'f: beta must be in [0, 1), got 1');
    expectError(() => checkUnit('f', 'q', 0, 0, 1, '(]'), DomainError, 'f: q must be in (0, 1], got 0');
    expectError(() => checkUnit('f', 'q', NaN, 0, 1, '()'), DomainError, 'f: q must be in (0, 1), got NaN');
  });

  it('checkOneOf', () => {
    expect(checkOneOf('f', 'mode', 'a', ['a', 'b'])).toBe('a');
    expectError(() => checkOneOf('f', 'mode', 'c', ['a', 'b']), DomainError, 'f: mode must be one of "a", "b", got "c"');
  });

  it('checkRank', () => {
    expect(checkRank('f', 2, 3, 4)).toBe(2);
    expectError(() => checkRank('f', 4, 3, 4), DomainError, 'f: rank must be an integer in [1, 3] for a 3x4 matrix, got 4');
    expectError(() => checkRank('f', 0, 3, 4, 2), DomainError, 'f: rank must be an integer in [1, 2] for a 3x4 matrix, got 0');
  });

  it('checkMatrix and checkShape', () => {
    const a = matrix(2, 3);
    expect(checkMatrix('f', 'a', a)).toBe(a);
    expectError(
      () => checkMatrix('f', 'a', { rows: -3, cols: -4, data: new Float64Array(12) }),
      ShapeError,
      'f: a must be a Matrix { rows, cols, data: Float64Array | Float32Array } with non-negative integer rows and cols and data.length = rows*cols, got { rows: -3, cols: -4, data: Float64Array(12) }',
    );
    expectError(
      () => checkMatrix('f', 'a', null),
      ShapeError,
      'f: a must be a Matrix { rows, cols, data: Float64Array | Float32Array } with non-negative integer rows and cols and data.length = rows*cols, got null',
    );
    expect(checkShape('f', 'a', a, 2)).toBe(a);
    expectError(() => checkShape('f', 'a', a, 3, 3), ShapeError, 'f: a is 2x3, expected 3x3');
    expectError(() => checkShape('f', 'a', a, undefined, 2), ShapeError, 'f: a is 2x3, expected anyx2');
  });

  it('checkVector and checkFinite name the index', () => {
    expect(checkVector('f', 'x', [1, 2], 2)).toEqual([1, 2]);
    expectError(() => checkVector('f', 'x', 'ab'), ShapeError, 'f: x must be a Float64Array, Float32Array or number[], got "ab"');
    expectError(() => checkVector('f', 'x', [1, 2], 3), ShapeError, 'f: x has length 2, expected 3');
    expectError(() => checkVector('f', 'x', [1, '2']), DomainError, 'f: x[1] is "2", not a number');
    expectError(() => checkFinite('f', 'x', new Float64Array([0, 1, Infinity])), DomainError, 'f: x[2] is Infinity; inputs must be finite');
    expectError(
      () => checkFinite('Linear.forward', 'weight', matrix(2, 2, [0, 0, 0, NaN]), 'weights must be finite'),
      DomainError,
      'Linear.forward: weight[1, 1] is NaN; weights must be finite',
    );
  });

  it('checkSeed', () => {
    expect(checkSeed('f', 'seed', 0)).toBe(0);
    expectError(() => checkSeed('f', 'seed', 1.5), DomainError, 'f: seed must be a non-negative safe integer, got 1.5');
  });

  it('checkOptions lists the valid keys', () => {
    expect(checkOptions('f', undefined, ['a'])).toEqual({});
    expect(checkOptions('f', { a: 1 }, ['a', 'b'])).toEqual({ a: 1 });
    expectError(() => checkOptions('f', { niters: 3 }, ['niter', 'seed']), DomainError, 'f: unknown option "niters"; valid options are niter, seed');
    expectError(() => checkOptions('f', 'fast' as unknown as object, ['a']), DomainError, 'f: options must be an object, got "fast"');
    expectError(() => checkOptions('f', { a: 1 }, []), DomainError, 'f: unknown option "a"; valid options are (none)');
  });

  it('checkFunction, checkBoolean, checkKey', () => {
    expectError(() => checkFunction('f', 'loss', 3), DomainError, 'f: loss must be a function, got 3');
    expectError(() => checkBoolean('f', 'bias', 'yes'), DomainError, 'f: bias must be true or false, got "yes"');
    expect(checkKey('f', 'name', { a: 1 }, 'a')).toBe(1);
    expectError(() => checkKey('f', 'name', { a: 1 }, '__proto__'), DomainError, 'f: name must be one of "a", got "__proto__"');
  });

  it('checkAborted throws AbortError with the reason as cause', () => {
    checkAborted('fit', undefined);
    checkAborted('fit', new AbortController().signal);
    const c = new AbortController();
    c.abort('stop');
    const e = thrown(() => checkAborted('fit', c.signal));
    expect(e).toBeInstanceOf(AbortError);
    expect(e.name).toBe('AbortError');
    expect(e.message).toBe('fit: aborted');
    expect((e as Error & { cause: unknown }).cause).toBe('stop');
    expectError(() => checkAborted('fit', 'now'), DomainError, 'fit: signal must be an AbortSignal, got "now"');
  });

  it('describe keeps messages short', () => {
    expect(show('x'.repeat(100))).toBe(`"${'x'.repeat(40)}..."`);
    expect(show(new Array(1e6))).toBe('an array of length 1000000');
    expect(show(new Map())).toBe('a Map');
    expect(show({})).toBe('an object');
    expect(show(() => 1)).toBe('a function');
  });
});

describe('strict isMatrix', () => {
  it('requires non-negative safe-integer dims with rows*cols = data.length', () => {
    expect(isMatrix(matrix(3, 4))).toBe(true);
    expect(isMatrix(zeros(0, 5))).toBe(true);
    expect(isMatrix({ rows: -3, cols: -4, data: new Float64Array(12) })).toBe(false);
    expect(isMatrix({ rows: 1.5, cols: 2, data: new Float64Array(3) })).toBe(false);
    expect(isMatrix({ rows: 2 ** 31, cols: 2 ** 31, data: new Float64Array(12) })).toBe(false);
    expect(isMatrix({ rows: 2 ** 53, cols: 0, data: new Float64Array(0) })).toBe(false);
    expect(isMatrix({ rows: 3, cols: 4, data: new Float64Array(11) })).toBe(false);
    expect(isMatrix({ rows: 1, cols: 2, data: [1, 2] })).toBe(false);
    expect(isMatrix(null)).toBe(false);
  });

  it('matrix helpers refuse malformed matrices before looping or allocating', () => {
    const huge = { rows: 2 ** 31, cols: 2 ** 31, data: new Float64Array(12) };
    expect(() => toRows(huge)).toThrow(ShapeError);
    expect(() => transpose({ rows: 3, cols: 4, data: new Float64Array(11) })).toThrow(ShapeError);
    expect(() => zeros(2 ** 20, 2 ** 20)).toThrow(DomainError);
    expect(() => zeros(1.5, 2)).toThrow(DomainError);
    expect(() => matrix(2, 2, 'abcd' as unknown as number[])).toThrow(ShapeError);
    expect(() => matrix(1, 2, [1, 'x'] as unknown as number[])).toThrow(DomainError);
    expect(() => zeros(2, 2, 'int8' as 'float64')).toThrow(DomainError);
  });
});

describe('seeds', () => {
  it('rng and checkRng refuse fractional, negative and non-number seeds', async () => {
    const { rng, randn } = await import('../src');
    const { checkRng } = await import('../src/checks');
    expect(() => rng(1.5)).toThrow('rng: seed must be a non-negative safe integer, got 1.5');
    expect(() => rng(-1)).toThrow(DomainError);
    expect(() => rng('7' as unknown as number)).toThrow(DomainError);
    expect(() => randn(2, 2, 0.5)).toThrow(DomainError);
    expect(() => randn(2 ** 20, 2 ** 20)).toThrow(DomainError);
    const r = rng(3);
    expect(checkRng('f', 'seed', r)).toBe(r);
    expect(checkRng('f', 'seed', 3).uniform()).toBe(rng(3).uniform());
    expect(() => checkRng('f', 'seed', '7' as unknown as number)).toThrow('f: seed must be a non-negative safe integer or an Rng, got "7"');
  });
});
