// One-argument-at-a-time mutations of a template's arguments, and how each outcome is judged.
import { aborted, isPlain, markOf, unwrap } from './dsl.mjs';

/**
 * What a mutated call must do:
 *   reject  throw a typed @x error (garbage in: null, strings, fractional counts, unknown options);
 *   abort   throw an error named AbortError (an aborted signal);
 *   safe    throw a typed error or return a finite result in time (huge counts, other shapes);
 *   any     throw a typed error or return anything (NaN data where the template allows NaN out).
 */
// SafetensorsError is @x/safetensors' one documented error type (a stable `code` per broken rule).
const TYPED = new Set(['ShapeError', 'DomainError', 'ConvergenceError', 'BackendError', 'AbortError', 'XError', 'SafetensorsError']);

export function isTypedError(e) {
  return e !== null && typeof e === 'object' && TYPED.has(e.name);
}

function isMatrixLike(v) {
  return v !== null && typeof v === 'object' && typeof v.rows === 'number' && typeof v.cols === 'number' && ArrayBuffer.isView(v.data);
}
function isComplexArray(v) {
  return v !== null && typeof v === 'object' && ArrayBuffer.isView(v.re) && ArrayBuffer.isView(v.im) && !('rows' in v);
}
function isNumberList(v) {
  if (v instanceof Float64Array || v instanceof Float32Array) return true;
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');
}
function isIntList(v) {
  if (v instanceof Int32Array || v instanceof Uint32Array || v instanceof Int8Array || v instanceof Uint8Array || v instanceof Int16Array) return true;
  return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x));
}
function isSignal(v) {
  return typeof AbortSignal !== 'undefined' && v instanceof AbortSignal;
}
function withData(m, f) {
  const data = m.data.slice();
  f(data);
  return { rows: m.rows, cols: m.cols, data };
}
function listWith(v, i, x) {
  const c = v.slice();
  c[i] = x;
  return c;
}

/** The mutations of one value: [label, () => replacement, expect]. `inOptions`: an option's value. */
function mutationsOf(v, ctx) {
  const nanExpect = ctx.nan === 'reject' ? 'reject' : 'any';
  const nullExpect = ctx.inOptions ? 'safe' : 'reject';
  const mark = markOf(v);
  if (mark === 'keep' || v === undefined || v === null) return [];
  if (mark === 'data') return mutationsOf(v.value, { ...ctx, data: true }).filter(([label]) => label !== 'unknown option');
  if (mark === 'bytes') {
    return [
      ['truncated', () => v.value.slice(0, Math.max(0, v.value.length - 3)), 'reject'],
      ['empty', () => new Uint8Array(0), 'reject'],
      ['string', () => 'bytes', 'reject'],
      ['null', () => null, nullExpect],
    ];
  }
  if (mark === 'real') {
    return [
      ['NaN', () => Number.NaN, 'reject'],
      ['Infinity', () => Number.POSITIVE_INFINITY, 'reject'],
      ['string', () => String(v.value), 'reject'],
      ['null', () => null, nullExpect],
    ];
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return mutationsOf({ [Symbol.for('x-fuzz-mark')]: 'real', value: v }, ctx);
    return [
      ['NaN', () => Number.NaN, 'reject'],
      ['Infinity', () => Number.POSITIVE_INFINITY, 'reject'],
      ['-1', () => -1, 'reject'],
      ['1.5', () => v + 0.5, 'reject'],
      ['2^31', () => 2 ** 31, 'safe'],
      ['2^53+2', () => 2 ** 53 + 2, 'reject'],
      ['string', () => String(v), 'reject'],
      ['null', () => null, nullExpect],
    ];
  }
  if (typeof v === 'boolean') {
    return [
      ['string', () => 'yes', 'reject'],
      ['number', () => 1, 'reject'],
    ];
  }
  if (typeof v === 'string') {
    return [
      ['unknown string', () => 'fuzz-bogus', 'reject'],
      ['number', () => 7, 'reject'],
    ];
  }
  if (typeof v === 'function') {
    return [
      ['not a function', () => 'fn', 'reject'],
      ['null', () => null, nullExpect],
    ];
  }
  if (isSignal(v)) return [['aborted signal', () => aborted(), 'abort']];
  if (isMatrixLike(v)) {
    const out = [
      ['NaN entry', () => withData(v, (d) => d.length && (d[0] = Number.NaN)), nanExpect],
      ['Infinity entry', () => withData(v, (d) => d.length && (d[d.length - 1] = Number.POSITIVE_INFINITY)), nanExpect],
      ['negative dims', () => ({ rows: -v.rows, cols: -v.cols, data: v.data.slice() }), 'reject'],
      ['2^31 dims', () => ({ rows: 2 ** 31, cols: 2 ** 31, data: v.data.slice() }), 'reject'],
      ['short data', () => ({ rows: v.rows, cols: v.cols, data: v.data.slice(0, Math.max(0, v.data.length - 1)) }), 'reject'],
      ['number[][]', () => [[1, 2], [3, 4]], 'reject'],
      ['string', () => 'matrix', 'reject'],
      ['null', () => null, nullExpect],
    ];
    if (v.rows !== v.cols) out.push(['transposed shape', () => ({ rows: v.cols, cols: v.rows, data: v.data.slice() }), 'safe']);
    return out;
  }
  if (isComplexArray(v)) {
    return [
      ['NaN entry', () => ({ re: listWith(v.re, 0, Number.NaN), im: v.im.slice() }), nanExpect],
      ['short im', () => ({ re: v.re.slice(), im: v.im.slice(0, Math.max(0, v.im.length - 1)) }), 'reject'],
      ['string', () => 'complex', 'reject'],
      ['null', () => null, nullExpect],
    ];
  }
  if (isIntList(v)) {
    return [
      ['index -1', () => listWith(v, 0, -1), ctx.intList === 'values' ? 'safe' : 'reject'],
      ['index 2^31', () => listWith(Array.from(v), 0, 2 ** 31), ctx.intList === 'values' ? 'safe' : 'reject'],
      ['string', () => 'list', 'reject'],
      ['null', () => null, nullExpect],
    ];
  }
  if (isNumberList(v)) {
    return [
      ['NaN entry', () => listWith(v, 0, Number.NaN), nanExpect],
      ['Infinity entry', () => listWith(v, v.length - 1, Number.POSITIVE_INFINITY), nanExpect],
      ['one shorter', () => v.slice(0, v.length - 1), 'safe'],
      ['string', () => 'vector', 'reject'],
      ['null', () => null, nullExpect],
    ];
  }
  if (Array.isArray(v)) {
    const out = [
      ['string', () => 'list', 'reject'],
      ['null', () => null, nullExpect],
    ];
    if (v.length > 0) {
      for (const [label, make, expect] of mutationsOf(v[0], { ...ctx, inOptions: false, last: false })) {
        out.push([`[0] ${label}`, () => listWith(v, 0, make()), expect]);
      }
    }
    return out;
  }
  if (isPlain(v)) {
    const out = [
      // Only an options object (the last argument, not marked data()) must refuse unknown keys.
      ...(ctx.last && !ctx.data ? [['unknown option', () => ({ ...v, fuzzUnknownKey: 1 }), 'reject']] : []),
      ['string', () => 'options', 'reject'],
        ['null', () => null, ctx.last && !ctx.data ? 'safe' : 'reject'],
    ];
    if (ctx.depth < 2) {
      for (const k of Object.keys(v)) {
        for (const [label, make, expect] of mutationsOf(v[k], { ...ctx, inOptions: !ctx.data, last: false, data: false, depth: ctx.depth + 1 })) {
          out.push([`.${k} ${label}`, () => ({ ...v, [k]: make() }), expect]);
        }
      }
    }
    return out;
  }
  // A class instance (a module, an optimizer, an Rng, a model): wrong kinds of object.
  return [
    ['string', () => 'object', 'reject'],
    ['null', () => null, nullExpect],
  ];
}

/**
 * The cases of one template: index 0 is the template as written (must succeed with a finite
 * result), then one mutation of one top-level argument (or one option) at a time.
 */
export function casesOf(t) {
  const args = t.args();
  const cases = [{ label: 'template', expect: 'base', build: () => unwrap(t.args()) }];
  if (t.mutate === false) return cases;
  args.forEach((a, i) => {
    if (t.fixed?.includes(i)) return;
    for (const [label, make, expect] of mutationsOf(a, { nan: t.nan, intList: t.intList, inOptions: false, last: i === args.length - 1, depth: 0 })) {
      cases.push({
        label: `arg${i} ${label}`,
        // A total function (a predicate, an error constructor) accepts anything: garbage must
        // only not crash it or make it return non-finite numbers.
        expect: t.total && (expect === 'reject' || expect === 'abort') ? 'safe' : expect,
        build: () => {
          const fresh = t.args();
          const out = fresh.map(unwrap);
          out[i] = unwrap(make());
          return out;
        },
      });
    }
  });
  return cases;
}

/** The first non-finite number in a result, as a path, or null. Bounded walk. */
export function nonFinite(v, path = 'result', depth = 0, seen = new Set()) {
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${path} = ${v}`;
  if (v === null || typeof v !== 'object' || depth > 5 || seen.has(v)) return null;
  seen.add(v);
  if (v instanceof Float64Array || v instanceof Float32Array) {
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return `${path}[${i}] = ${v[i]}`;
    return null;
  }
  if (ArrayBuffer.isView(v)) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < Math.min(v.length, 10000); i++) {
      const r = nonFinite(v[i], `${path}[${i}]`, depth + 1, seen);
      if (r) return r;
    }
    return null;
  }
  if (v instanceof Map || v instanceof Set || typeof v.then === 'function') return null;
  for (const k of Object.keys(v)) {
    const r = nonFinite(v[k], `${path}.${k}`, depth + 1, seen);
    if (r) return r;
  }
  return null;
}
