import { describe, expect, it } from 'vitest';
import { AbortError, check, experimentResult, experimentResultProblems, inconclusiveAtQuickSize, throwIfAborted } from '../src';

describe('experiment results: ok is the conjunction of the asserted checks', () => {
  it('one failing asserted check makes ok false; a failing reported check does not', () => {
    const a = experimentResult({ checks: [check('a holds', true, '1'), check('b holds', false, '2')], summary: 's' });
    expect(a.ok).toBe(false);
    const b = experimentResult({ checks: [check('a holds', true, '1'), check('paper: b', false, '2', false)], summary: 's' });
    expect(b.ok).toBe(true);
    expect(b.checks[1]!.asserted).toBe(false);
    expect(experimentResultProblems(a)).toEqual([]);
    expect(experimentResultProblems(b)).toEqual([]);
  });

  it('inconclusive checks are marked in the statement and not asserted', () => {
    const c = inconclusiveAtQuickSize('x beats y', false, '0.4 vs 0.5');
    expect(c.statement).toBe('x beats y (inconclusive at quick size)');
    expect(c.asserted).toBe(false);
  });

  it('experimentResultProblems finds a hard-coded ok, no checks, empty fields, nothing asserted', () => {
    expect(experimentResultProblems({ ok: true, checks: [check('a', false, '1')], summary: '' })).toEqual(['ok is true but the asserted checks give false']);
    expect(experimentResultProblems({ ok: true, checks: [], summary: '' })).toEqual(['no checks']);
    expect(experimentResultProblems({ ok: true, checks: [{ statement: '', holds: true, measured: '' }], summary: '' })).toEqual([
      'check 0: empty statement',
      'check 0: empty measurement',
    ]);
    expect(experimentResultProblems({ ok: true, checks: [check('a', true, '1', false)], summary: '' })).toEqual(['no asserted check']);
  });

  it('throwIfAborted throws an AbortError once the signal fired, nothing before', () => {
    const ac = new AbortController();
    expect(() => throwIfAborted(ac.signal)).not.toThrow();
    expect(() => throwIfAborted(undefined)).not.toThrow();
    ac.abort();
    expect(() => throwIfAborted(ac.signal, 'peft/x')).toThrow(AbortError);
    expect(() => throwIfAborted(ac.signal, 'peft/x')).toThrow(/peft\/x: aborted/);
  });
});
