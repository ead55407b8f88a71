import { describe, expect, it } from 'vitest';
import { add, axpy, createDevice, DomainError, encodeArray, gram, matmul, matrix, parseStateText, resultDtype, scale, scaleRows, ShapeError, StateReader, stateJSON, withWorkspace } from '../src/index';
import { check, experimentResult } from '../src/experiments-entry';
import { checkFinite } from '../src/checks';

const a = matrix(2, 2, [1, 2, 3, 4]);
const bad = { rows: 2 ** 31, cols: 2 ** 31, data: new Float64Array(4) };

describe('boundary checks: bad input is a typed error naming the function called', () => {
  it('an explicit null out is a ShapeError, not "allocate"', () => {
    expect(() => add(a, a, null as never)).toThrow(ShapeError);
    expect(() => add(a, a, null as never)).toThrow(/^add: out/);
  });

  it('scalars must be finite numbers (axpy, scale)', () => {
    expect(() => axpy(Number.NaN, a, a)).toThrow(DomainError);
    expect(() => axpy('2' as never, a, a)).toThrow(/axpy: alpha/);
    expect(() => scale(a, Number.POSITIVE_INFINITY)).toThrow(DomainError);
    expect(() => scaleRows(a, null as never)).toThrow(/scaleRows: d/);
  });

  it('options: unknown keys, non-objects and non-boolean flags are DomainErrors', () => {
    expect(() => matmul(a, a, { tranA: true } as never)).toThrow(/matmul: unknown option "tranA"/);
    expect(() => matmul(a, a, null as never)).toThrow(DomainError);
    expect(() => matmul(a, a, { transA: 'yes' } as never)).toThrow(/matmul: transA/);
    expect(() => gram(a, { outer: 1 } as never)).toThrow(DomainError);
    return expect(createDevice({ backend: 'js', fuzz: 1 } as never)).rejects.toThrow(DomainError);
  });

  it('both operands of resultDtype are checked, and checkFinite checks a matrix shape first', () => {
    expect(() => resultDtype(a, bad as never)).toThrow(ShapeError);
    expect(() => checkFinite('f', 'x', bad as never)).toThrow(ShapeError);
    expect(() => checkFinite('f', 'x', null as never)).toThrow(ShapeError);
  });

  it('state, codec and experiment helpers refuse wrong kinds', () => {
    expect(() => new StateReader('T.fromJSON', null as never, 'state')).toThrow(/T.fromJSON: state must be an object/);
    expect(() => parseStateText('T.fromJSON', 7 as never)).toThrow(DomainError);
    expect(() => stateJSON('T', 'x' as never, {})).toThrow(DomainError);
    expect(() => encodeArray(null as never)).toThrow(/encodeArray/);
    expect(() => check('s', 1 as never, 'm')).toThrow(/check: holds/);
    expect(() => experimentResult({ checks: null as never, summary: 's' })).toThrow(DomainError);
    expect(() => withWorkspace([2], 'fn' as never)).toThrow(/withWorkspace: fn/);
  });
});
