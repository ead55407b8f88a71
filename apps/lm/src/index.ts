/**
 * @x/lm as a library (no Node APIs; the demos page runs it in a Web Worker): `runLm` with its
 * presets, progress/stage callbacks, AbortSignal and resume checkpoints; the corpora from the
 * `typescript` package's files however they were read; the tokenizer and the summary.
 */
export {
  DEFAULT,
  type FinetuneResult,
  type KatResult,
  type LmCheckpoint,
  type LmConfig,
  type LmProgress,
  type LmReport,
  type LmRunOptions,
  type LmStage,
  type Method,
  type OptimizerName,
  QUICK,
  rankFor,
  runLm,
  TARGETS,
} from './run';
export { CODE_FILES, type Corpora, type CorpusSource, corporaFromFiles, PROSE_FILES } from './sources';
export { conclusions, formatReport } from './summary';
export { decode, encode, VOCAB_SIZE } from './tokenizer';
