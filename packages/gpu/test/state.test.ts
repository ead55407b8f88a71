import { describe, expect, it } from 'vitest';
import { DomainError, encodeArray, isStateJSON, parseStateText, readState, STATE_VERSION, ShapeError, stateJSON } from '../src';

const sample = () =>
  stateJSON('Thing', { dim: 3, mode: 'a' }, { t: 2, w: encodeArray(new Float64Array([1, -0, 3])), idx: encodeArray(new Int32Array([0, 2])), scale: 0.5, on: true });

describe('state envelope', () => {
  it('writes { type, version, config, state } and reads every field back', () => {
    const j = JSON.parse(JSON.stringify(sample()));
    expect(Object.keys(j)).toEqual(['type', 'version', 'config', 'state']);
    expect(j.version).toBe(STATE_VERSION);
    expect(isStateJSON(j)).toBe(true);
    const { config, state } = readState('Thing.fromJSON', 'Thing', j);
    expect(config.int('dim', 1)).toBe(3);
    expect(config.string('mode', ['a', 'b'])).toBe('a');
    expect(state.int('t')).toBe(2);
    expect(Object.is(state.f64('w', { length: 3 })[1], -0)).toBe(true);
    expect(Array.from(state.i32('idx', { length: 2, min: 0, max: 3 }))).toEqual([0, 2]);
    expect(state.number('scale', { min: 0 })).toBe(0.5);
    expect(state.bool('on')).toBe(true);
  });

  it('names the class and the field of every bad value', () => {
    const cases: [(j: ReturnType<typeof sample> & Record<string, unknown>) => unknown, RegExp, typeof DomainError | typeof ShapeError][] = [
      [() => 'text', /Thing\.fromJSON: expected the object/, DomainError],
      [(j) => ({ ...j, type: 'Other' }), /type must be 'Thing'/, DomainError],
      [(j) => ({ ...j, version: 1 }), /version must be 2/, DomainError],
      [(j) => ({ ...j, state: undefined }), /state must be an object/, DomainError],
      [(j) => ({ ...j, config: { ...j.config, dim: 2.5 } }), /config\.dim must be an integer >= 1/, DomainError],
      [(j) => ({ ...j, config: { ...j.config, mode: 'c' } }), /config\.mode must be one of 'a', 'b'/, DomainError],
      [(j) => ({ ...j, state: { ...j.state, t: undefined } }), /state\.t must be an integer/, DomainError],
      [(j) => ({ ...j, state: { ...j.state, scale: Number.NaN } }), /state\.scale must be a finite number/, DomainError],
      [(j) => ({ ...j, state: { ...j.state, on: 1 } }), /state\.on must be a boolean/, DomainError],
      [(j) => ({ ...j, state: { ...j.state, w: encodeArray(new Float64Array(2)) } }), /state\.w has 2 entries, expected 3/, ShapeError],
      [(j) => ({ ...j, state: { ...j.state, w: encodeArray(new Float64Array([1, Number.NaN, 3])) } }), /state\.w\[1\] is NaN/, DomainError],
      [(j) => ({ ...j, state: { ...j.state, idx: encodeArray(new Int32Array([0, 3])) } }), /state\.idx\[1\] = 3 is outside/, DomainError],
      [(j) => ({ ...j, state: { ...j.state, idx: encodeArray(new Float64Array([0, 1])) } }), /state\.idx must be an encoded int32 array/, DomainError],
    ];
    for (const [make, msg, cls] of cases) {
      const read = () => {
        const { config, state } = readState('Thing.fromJSON', 'Thing', make(sample() as never));
        config.int('dim', 1);
        config.string('mode', ['a', 'b']);
        state.int('t');
        state.number('scale', { min: 0 });
        state.bool('on');
        state.f64('w', { length: 3, finite: true });
        state.i32('idx', { length: 2, min: 0, max: 3 });
      };
      expect(read).toThrow(cls);
      expect(read).toThrow(msg);
    }
  });

  it('turns a JSON.parse failure into a DomainError naming the caller', () => {
    const text = JSON.stringify(sample());
    expect(() => parseStateText('Thing.fromJSON', text.slice(0, text.length - 5))).toThrow(DomainError);
    expect(() => parseStateText('Thing.fromJSON', text.slice(0, 10))).toThrow(/Thing\.fromJSON: the JSON text does not parse/);
    expect(parseStateText('Thing.fromJSON', text)).toEqual(JSON.parse(text));
  });
});
