/**
 * One @x/gpu per process (src/registry.ts) and errors recognized across copies (src/errors.ts).
 * The double load is real: a child Node imports the built ESM entry and requires the built CJS
 * entry, the case that happens when an app imports @x/gpu and a dependency requires it.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendError, ConvergenceError, DomainError, isBackendError, isConvergenceError, isDomainError, isShapeError, isXError, ShapeError, XError } from '../src';
import { duplicateWarning } from '../src/registry';

const dist = join(import.meta.dirname, '..', 'dist');

/** Runs an ESM script in a child Node (the header captures console.warn); returns its stdout. */
function node(script: string): { out: string } {
  return { out: execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }) };
}

const header = `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(dist, 'x.js'))});
const lines = [];
console.warn = (m) => lines.push(String(m));
`;

describe('one @x/gpu per process', () => {
  it('ESM and CJS loaded together: one warning naming both copies and how to dedupe', () => {
    const { out } = node(`${header}
const esm = await import(${JSON.stringify(join(dist, 'node.js'))});
const cjs = require(${JSON.stringify(join(dist, 'node.cjs'))});
require(${JSON.stringify(join(dist, 'node.cjs'))}); // the same copy again: no new entry
const e = new cjs.ShapeError('f: bad');
class Mine extends esm.ShapeError {}
console.log(JSON.stringify({
  warnings: lines,
  copies: esm.loadedCopies(),
  cross: [e instanceof esm.ShapeError, e instanceof esm.XError, e instanceof Error, esm.isShapeError(e)],
  wrongKind: [e instanceof esm.DomainError, esm.isBackendError(e)],
  back: [new esm.ConvergenceError('c', 1, 2) instanceof cjs.ConvergenceError, cjs.isConvergenceError(new esm.ConvergenceError('c', 1, 2))],
  subclass: [e instanceof Mine, new Mine('m') instanceof cjs.ShapeError, new Mine('m') instanceof cjs.DomainError],
}));`);
    const r = JSON.parse(out);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('2 copies');
    expect(r.warnings[0]).toContain('0.0.0 (esm), 0.0.0 (cjs)');
    expect(r.warnings[0]).toMatch(/npm dedupe/);
    expect(r.warnings[0]).toMatch(/either with import or with require/);
    expect(r.copies).toEqual([
      { version: expect.any(String), build: 'esm' },
      { version: expect.any(String), build: 'cjs' },
    ]);
    expect(r.cross).toEqual([true, true, true, true]);
    expect(r.wrongKind).toEqual([false, false]);
    expect(r.back).toEqual([true, true]);
    // A user's subclass matches by prototype only: another copy's ShapeError is not a Mine.
    expect(r.subclass).toEqual([false, true, false]);
  });

  it('one copy loaded (twice, and through both entries of one format): no warning', () => {
    const { out } = node(`${header}
const a = await import(${JSON.stringify(join(dist, 'node.js'))});
await import(${JSON.stringify(join(dist, 'node.js'))});
a.matmul(a.eye(2), a.eye(2));
console.log(JSON.stringify({ warnings: lines, copies: a.loadedCopies().length }));`);
    expect(JSON.parse(out)).toEqual({ warnings: [], copies: 1 });
  });

  it('the warning lists every copy', () => {
    const text = duplicateWarning([
      { version: '0.1.0', build: 'esm' },
      { version: '0.2.0', build: 'cjs' },
    ]);
    expect(text).toContain('0.1.0 (esm), 0.2.0 (cjs)');
    expect(text).toContain('peer dependency');
  });
});

describe('error brands', () => {
  const cases = [
    [new ShapeError('s'), isShapeError, ShapeError],
    [new DomainError('d'), isDomainError, DomainError],
    [new ConvergenceError('c', 0.5, 3), isConvergenceError, ConvergenceError],
    [new BackendError('b', 'why'), isBackendError, BackendError],
  ] as const;

  it('each guard accepts its own kind only; isXError accepts all', () => {
    for (const [err, guard, cls] of cases) {
      expect(isXError(err)).toBe(true);
      expect(err).toBeInstanceOf(XError);
      expect(err).toBeInstanceOf(cls);
      for (const [other, otherGuard, otherCls] of cases) {
        expect(otherGuard(err)).toBe(other === err);
        expect(err instanceof otherCls).toBe(other === err);
      }
      expect(guard(err)).toBe(true);
    }
  });

  it('plain errors and look-alikes are not @x errors', () => {
    const fake = Object.assign(new Error('f'), { name: 'ShapeError' });
    for (const v of [fake, new TypeError('t'), null, undefined, 'ShapeError', { name: 'ShapeError' }]) {
      expect(isXError(v)).toBe(false);
      expect(isShapeError(v)).toBe(false);
      expect(v instanceof ShapeError).toBe(false);
    }
  });

  it('the brand is Symbol.for, so another copy sees it', () => {
    const e = new ShapeError('s');
    expect((e as unknown as Record<symbol, unknown>)[Symbol.for('@x/gpu.error')]).toBe(true);
    expect(e.name).toBe('ShapeError');
    expect(new ConvergenceError('c', 0.5, 3)).toMatchObject({ residual: 0.5, iterations: 3, name: 'ConvergenceError' });
  });
});
