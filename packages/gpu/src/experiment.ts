/**
 * The shape of a seeded, CPU-scale experiment that reproduces a paper's headline claim. Each
 * package exports `experiments: Experiment[]`; the demo app plots them and the headless runner
 * (`npm run demos -- --headless`) runs them all and prints a summary.
 */

/** One curve of a plot. */
export interface ExperimentSeries {
  name: string;
  x: number[];
  y: number[];
}

/** One plot: curves sharing axes. */
export interface ExperimentPlot {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  /**
   * A categorical x axis: series x values are indices into `categories` (0, 1, ...), labelled
   * with these names and drawn as grouped bars (one bar per series and category).
   */
  categories?: string[];
  series: ExperimentSeries[];
}

export interface ExperimentResult {
  /** Whether the qualitative claim held in this run. */
  ok: boolean;
  /** One or two sentences with the measured numbers, e.g. "WINNER 43.1 dB vs SIREN 11.2 dB". */
  summary: string;
  plots?: ExperimentPlot[];
  /** Optional key numbers for tables. */
  metrics?: Record<string, number>;
}

export interface ExperimentRunOptions {
  seed?: number;
  /** Smaller sizes/steps for tests and the headless runner. */
  quick?: boolean;
  onProgress?: (info: { fraction: number; message?: string }) => void;
  signal?: AbortSignal;
}

export interface Experiment {
  /** Stable id, e.g. 'peft/pissa-vs-lora'. */
  id: string;
  /** Package name, e.g. '@x/peft'. */
  pkg: string;
  title: string;
  /** The paper's claim this reproduces, in one sentence, with the paper named. */
  claim: string;
  run(opts?: ExperimentRunOptions): Promise<ExperimentResult>;
}
