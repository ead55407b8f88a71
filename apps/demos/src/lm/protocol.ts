/** Messages between the language-model page and its worker (structured-cloneable). */
import type { LmCheckpoint, LmReport, LmStage } from '@x/lm';
import type { CpuKernels } from '../lib/worker-protocol';

/** The page's two settings: `quick` (the default here) and `full` (the command's default). */
export type LmPreset = 'quick' | 'full';

export type LmRequest =
  | { type: 'run'; runId: number; preset: LmPreset; seed: number; resume?: LmCheckpoint }
  | { type: 'abort'; runId: number };

export type LmReply =
  | { type: 'ready'; cpu: CpuKernels; corpora: Array<{ name: string; chars: number; files: string[]; version: string; license: string }> }
  | { type: 'progress'; runId: number; run: string; step: number; steps: number; loss: number }
  | { type: 'stage'; runId: number; stage: LmStage }
  | { type: 'done'; runId: number; report: Omit<LmReport, 'pretrained'>; conclusions: string[]; ms: number }
  | { type: 'aborted'; runId: number; checkpoint: LmCheckpoint | null; at: string }
  | { type: 'error'; runId: number; message: string };
