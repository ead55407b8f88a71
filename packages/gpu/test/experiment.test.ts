import { describe, expect, it } from 'vitest';
import { AbortError, DomainError } from '../src';
import { check, type ExperimentPartial, type ExperimentPlot, experimentParams, experimentResult, experimentResultProblems, inconclusiveAtQuickSize, partialReporter, throwIfAborted } from '../src/experiments-entry';

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

  it('experimentResultProblems finds a plot reference with a non-finite value or unequal lengths', () => {
    const plot = (references: NonNullable<ExperimentPlot['references']>): ExperimentPlot => ({ title: 'p', xLabel: 'x', yLabel: 'y', series: [], references });
    const r = (p: ExperimentPlot) => experimentResult({ checks: [check('a', true, '1')], summary: 's', plots: [p] });
    const sound = plot([
      { kind: 'line', label: 'B', y: 1 },
      { kind: 'band', label: '[A, B]', from: 0.5, to: 1 },
      { kind: 'curve', label: '1/√n', x: [1, 4], y: [1, 0.5] },
    ]);
    expect(experimentResultProblems(r(sound))).toEqual([]);
    expect(experimentResultProblems(r(plot([{ kind: 'line', label: 'B', y: Number.NaN }])))).toEqual(['plot "p": reference "B" has a non-finite value']);
    expect(experimentResultProblems(r(plot([{ kind: 'curve', label: 'c', x: [1, 2], y: [1] }])))).toEqual(['plot "p": reference "c" has 2 x values for 1 y values']);
  });

  it('experimentResultProblems finds a heatmap that does not fill rows x cols or holds a non-finite value', () => {
    const r = (heatmaps: NonNullable<ExperimentPlot['heatmaps']>) => experimentResult({ checks: [check('a', true, '1')], summary: 's', plots: [{ title: 'p', xLabel: 'column', yLabel: 'row', series: [], heatmaps }] });
    expect(experimentResultProblems(r([{ name: 'h', rows: 2, cols: 2, values: [0, 1, 2, 3] }]))).toEqual([]);
    expect(experimentResultProblems(r([{ name: 'h', rows: 2, cols: 2, values: [0, 1, 2] }]))).toEqual(['plot "p": heatmap "h" has 3 values for 2x2']);
    expect(experimentResultProblems(r([{ name: 'h', rows: 1, cols: 2, values: [0, Number.POSITIVE_INFINITY] }]))).toEqual(['plot "p": heatmap "h" has a non-finite value']);
  });

  it('experimentResultProblems finds a scatter with a non-finite point, a class off its names, an empty class, a bad edge or extent', () => {
    const r = (scatter: NonNullable<ExperimentPlot['scatter']>) => experimentResult({ checks: [check('a', true, '1')], summary: 's', plots: [{ title: 'p', xLabel: 'x', yLabel: 'y', series: [], scatter }] });
    const sound = { x: [0, 1, 2], y: [0, 1, 0], classes: [0, 1, 1], classNames: ['a', 'b'], edges: [0, 1, 1, 2], extent: [-1, 3, -1, 2] as [number, number, number, number] };
    expect(experimentResultProblems(r(sound))).toEqual([]);
    expect(experimentResultProblems(r({ ...sound, y: [0, Number.NaN, 0] }))).toEqual(['plot "p": scatter has a non-finite point']);
    expect(experimentResultProblems(r({ ...sound, classes: [0, 1, 2] }))).toEqual(['plot "p": scatter has a class that is not an index into its 2 class names']);
    expect(experimentResultProblems(r({ ...sound, classNames: ['a', 'b', 'c'] }))).toEqual(['plot "p": scatter classes with no points: c']);
    expect(experimentResultProblems(r({ ...sound, edges: [0, 3] }))).toEqual(['plot "p": scatter edges are not pairs of point indices']);
    expect(experimentResultProblems(r({ ...sound, extent: [1, 0, 0, 1] }))).toEqual(['plot "p": scatter extent 1, 0, 0, 1 is not a box']);
    expect(experimentResultProblems(r({ ...sound, classes: [0, 1] }))).toEqual(['plot "p": scatter has 3 x, 3 y and 2 class values']);
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

describe('partialReporter: live results for an experiment loop', () => {
  const snapshot = (n: number): ExperimentPartial => ({ plots: [{ title: 'loss', xLabel: 'step', yLabel: 'loss', series: [{ name: 'a', x: [n], y: [n] }] }] });

  it('without a listener it never builds a snapshot', () => {
    let built = 0;
    const report = partialReporter(undefined);
    report(() => {
      built++;
      return snapshot(1);
    }, true);
    expect(built).toBe(0);
  });

  it('sends the first snapshot, drops the ones inside the interval, always sends a forced one', () => {
    const got: number[] = [];
    // An interval no loop can reach: only the first and the forced calls go through.
    const report = partialReporter((p) => got.push(p.plots[0]!.series[0]!.x[0]!), Number.POSITIVE_INFINITY);
    for (let i = 1; i <= 5; i++) report(() => snapshot(i));
    report(() => snapshot(6), true);
    expect(got).toEqual([1, 6]);
  });

  it('with a zero interval every call sends', () => {
    const got: number[] = [];
    const report = partialReporter((p) => got.push(p.plots[0]!.series[0]!.x[0]!), 0);
    for (let i = 1; i <= 3; i++) report(() => snapshot(i));
    expect(got).toEqual([1, 2, 3]);
  });
});

describe('experimentParams: declared parameters with ranges', () => {
  const e = {
    id: 'x/demo',
    params: [
      { name: 'steps', label: 'steps', kind: 'int' as const, min: 10, max: 5000, default: 4000, quick: 2000 },
      { name: 'lr', label: 'learning rate', kind: 'float' as const, min: 1e-4, max: 1e-1, log: true, default: 2e-2 },
      { name: 'act', label: 'activation', kind: 'choice' as const, options: ['tanh', 'relu'], default: 'tanh' },
    ],
  };

  it('defaults: the quick value in quick mode, the full one otherwise', () => {
    expect(experimentParams(e, { quick: true })).toEqual({ steps: 2000, lr: 2e-2, act: 'tanh' });
    expect(experimentParams(e, {})).toEqual({ steps: 4000, lr: 2e-2, act: 'tanh' });
    expect(experimentParams({ id: 'x/none' }, {})).toEqual({});
  });

  it('a given value within range wins over the default', () => {
    expect(experimentParams(e, { quick: true, params: { steps: 10, act: 'relu' } })).toEqual({ steps: 10, lr: 2e-2, act: 'relu' });
  });

  it('unknown names, values out of range, non-integers and unoffered options are DomainErrors naming the experiment', () => {
    expect(() => experimentParams(e, { params: { stepz: 1 } })).toThrow(DomainError);
    expect(() => experimentParams(e, { params: { stepz: 1 } })).toThrow(/x\/demo: no parameter "stepz"/);
    expect(() => experimentParams(e, { params: { steps: 9 } })).toThrow(/steps must be in \[10, 5000\], got 9/);
    expect(() => experimentParams(e, { params: { steps: 20.5 } })).toThrow(/integer/);
    expect(() => experimentParams(e, { params: { lr: Number.NaN } })).toThrow(/finite/);
    expect(() => experimentParams(e, { params: { act: 'gelu' } })).toThrow(/one of tanh, relu/);
  });
});
