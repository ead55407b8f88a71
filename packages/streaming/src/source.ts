/**
 * Feeding estimators: a stream of rows may be a Matrix (its rows, in order), an array or any
 * iterable of rows, an async iterable (Node streams in object mode, async generators) or a
 * WHATWG ReadableStream (browser fetch bodies after parsing). An item that is itself a Matrix
 * is expanded into its rows, so producers may emit blocks.
 */
import { isMatrix, type Matrix } from '@x/gpu';
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
export async function feedRows(sink: RowSink, source: RowSource, opts: ConsumeOptions = {}): Promise<number> {
  if (isMatrix(source)) return feedRowsSync(sink, source, opts);
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
