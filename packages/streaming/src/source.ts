/**
 * Feeding estimators: a stream of rows may be a Matrix (its rows, in order), an array or any
 * iterable of rows, an async iterable (Node streams in object mode, async generators) or a
 * WHATWG ReadableStream (browser fetch bodies after parsing). An item that is itself a Matrix
 * is expanded into its rows, so producers may emit blocks.
 */
import { assertMatrix, DomainError, isMatrix, type Matrix, ShapeError } from '@x/gpu';
import { checkFunction, checkOptions, checkSize, describe } from '@x/gpu/checks';
import type { RowLike } from './rows';

/** Anything that yields rows (or Matrix blocks of rows), synchronously or not. */
export type RowSource =
  | Matrix
  | Iterable<RowLike | Matrix>
  | AsyncIterable<RowLike | Matrix>
  | ReadableStream<RowLike | Matrix>;

/** Progress report of a long stream. */
export interface StreamProgress {
  /** Rows consumed by this call so far. */
  rows: number;
  /** Rows the estimator has seen in total (including earlier calls and checkpoints). */
  totalRows: number;
  /** Fraction done when the source's length is known (a Matrix or an array), else undefined. */
  fraction?: number;
}

/** Options of every estimator's `consume`. */
export interface ConsumeOptions {
  /** Called every `progressEvery` rows and once at the end. */
  onProgress?: (info: StreamProgress) => void;
  /** Rows between progress reports (default 1024). */
  progressEvery?: number;
  /** Aborting stops consumption between rows; the rows already consumed stay applied. */
  signal?: AbortSignal;
}

/** The part of an estimator that `consumeRows` drives. */
export interface RowSink {
  update(row: RowLike): unknown;
  readonly rowsSeen: number;
}

function knownLength(source: RowSource): number | undefined {
  if (isMatrix(source)) return source.rows;
  if (Array.isArray(source)) {
    let n = 0;
    for (const item of source) n += isMatrix(item) ? item.rows : 1;
    return n;
  }
  return undefined;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Calls `sink.update` on each row of a synchronous source; returns the number of rows. */
export function feedRowsSync(sink: RowSink, source: Matrix | Iterable<RowLike | Matrix>, opts: ConsumeOptions = {}): number {
  return feedRowsSyncAs('feedRowsSync', sink, source, opts);
}

/**
 * Checks the arguments of a feed where they enter, naming `fn` (the function the user called):
 * the sink, the source (a malformed Matrix is a ShapeError, not a stream of nothing) and the
 * options. `sync`: the source must be a Matrix or a synchronous iterable.
 */
function checkFeed(fn: string, sink: unknown, source: unknown, opts: ConsumeOptions | undefined, sync: boolean): ConsumeOptions {
  if (sink === null || typeof sink !== 'object' || typeof (sink as RowSink).update !== 'function') {
    throw new DomainError(`${fn}: sink must be an estimator (an object with update(row)), got ${describe(sink)}`);
  }
  const o = checkOptions(fn, opts, ['onProgress', 'progressEvery', 'signal']);
  if (o.onProgress !== undefined) checkFunction(fn, 'onProgress', o.onProgress);
  if (o.progressEvery !== undefined) checkSize(fn, 'progressEvery', o.progressEvery, 1);
  if (source === null || typeof source !== 'object') throw new ShapeError(`${fn}: source must be a Matrix or an iterable of rows, got ${describe(source)}`);
  if (!isMatrix(source)) {
    const s = source as Record<string | symbol, unknown>;
    // Something shaped like a Matrix that is not a well-formed one: say why, do not iterate it.
    if ('rows' in s || 'cols' in s || 'data' in s) assertMatrix(fn, 'source', source);
    const iterable = typeof s[Symbol.iterator] === 'function';
    if (sync ? !iterable : !iterable && !isAsyncIterable(source) && !isReadableStream(source)) {
      throw new ShapeError(`${fn}: source must be a Matrix or ${sync ? 'an iterable' : 'an iterable, async iterable or ReadableStream'} of rows, got ${describe(source)}`);
    }
  }
  return o;
}

/** {@link feedRowsSync} with errors naming `fn` (an estimator's `updateAll`). */
export function feedRowsSyncAs(fn: string, sink: RowSink, source: Matrix | Iterable<RowLike | Matrix>, options?: ConsumeOptions): number {
  const opts = checkFeed(fn, sink, source, options, true);
  const state = { rows: 0 };
  const report = makeReporter(sink, opts, knownLength(source as RowSource), state);
  if (isMatrix(source)) feedItem(sink, source, opts, report, state);
  else for (const x of source) feedItem(sink, x, opts, report, state);
  report(true);
  return state.rows;
}

function makeReporter(sink: RowSink, opts: ConsumeOptions, total: number | undefined, state: { rows: number }) {
  const every = opts.progressEvery ?? 1024;
  return (final: boolean): void => {
    if (!opts.onProgress) return;
    if (!final && state.rows % every !== 0) return;
    const info: StreamProgress = { rows: state.rows, totalRows: sink.rowsSeen };
    if (total !== undefined) info.fraction = total === 0 ? 1 : state.rows / total;
    opts.onProgress(info);
  };
}

function isAsyncIterable(x: unknown): x is AsyncIterable<RowLike | Matrix> {
  return typeof x === 'object' && x !== null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function isReadableStream(x: unknown): x is ReadableStream<RowLike | Matrix> {
  return typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';
}

/**
 * Calls `sink.update` on each row of any {@link RowSource}; resolves to the number of rows.
 * Memory use is that of the estimator plus one item of the source: nothing is buffered.
 */
export function feedRows(sink: RowSink, source: RowSource, opts: ConsumeOptions = {}): Promise<number> {
  return feedRowsAs('feedRows', sink, source, opts);
}

/** {@link feedRows} with errors naming `fn` (an estimator's `consume`). */
export async function feedRowsAs(fn: string, sink: RowSink, source: RowSource, options?: ConsumeOptions): Promise<number> {
  const opts = checkFeed(fn, sink, source, options, false);
  if (isMatrix(source)) return feedRowsSyncAs(fn, sink, source, opts);
  const state = { rows: 0 };
  const report = makeReporter(sink, opts, knownLength(source), state);
  if (isAsyncIterable(source)) {
    for await (const x of source) feedItem(sink, x, opts, report, state);
  } else if (isReadableStream(source)) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        feedItem(sink, value, opts, report, state);
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    for (const x of source) feedItem(sink, x, opts, report, state);
  }
  report(true);
  return state.rows;
}

function feedItem(
  sink: RowSink,
  x: RowLike | Matrix,
  opts: ConsumeOptions,
  report: (final: boolean) => void,
  state: { rows: number },
): void {
  const one = (row: RowLike): void => {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    sink.update(row);
    state.rows++;
    report(false);
  };
  if (isMatrix(x)) {
    for (let i = 0; i < x.rows; i++) one(x.data.subarray(i * x.cols, (i + 1) * x.cols));
  } else {
    one(x);
  }
}
