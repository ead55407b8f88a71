import type { ExperimentResult } from './experiment';

/** Page -> worker. */
export type WorkerRequest =
  | { type: 'run'; runId: number; id: string; quick: boolean; seed?: number }
  | { type: 'abort'; runId: number };

/** Worker -> page. */
export type WorkerReply =
  | { type: 'ready'; ids: string[] }
  | { type: 'progress'; runId: number; fraction: number; message?: string }
  | { type: 'result'; runId: number; result: ExperimentResult }
  | { type: 'error'; runId: number; name: string; message: string; aborted: boolean };
