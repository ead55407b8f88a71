import { DomainError, type Matrix } from '@x/gpu';
import { Adam, Linear, softmaxCrossEntropyLoss } from '@x/nn';
import { ESPEAK_CLIPS, ESPEAK_LABELS, ESPEAK_LENGTH, ESPEAK_TEST_VOICE, ESPEAK_VOICE } from './experiments/data/espeak-words';
import { type PretrainOptions, type PretrainStep, selfSupervisedPretrain } from './frame-ssl';

// The real-signal task of the frame-projection experiment: ten spoken digits synthesized by
// espeak-ng (tooling/fixtures/ssm_espeak_words.py), 2 kHz, 512 samples; three voices train, the
// fourth voice is the test set. Encoders are pretrained without labels on the training clips, then
// a linear probe (multinomial logistic regression on standardized frozen embeddings) is fitted on
// the training labels and scored on the unseen voice.

/** The clips of one split: signals (mu-law decoded to [-1, 1]) and word labels. */
export interface WordSplit {
  readonly signals: Float64Array[];
  readonly labels: Int32Array;
}

let cache: { train: WordSplit; test: WordSplit } | null = null;

/** mu-law byte (mu = 255) to a sample in [-1, 1]. */
export function muLawDecode(b: number): number {
  const c = b / 127.5 - 1;
  return (Math.sign(c) * Math.expm1(Math.abs(c) * Math.log1p(255))) / 255;
}

/** The spoken-digit clips, split by voice (the test voice is never seen in pretraining). */
export function espeakWords(): { train: WordSplit; test: WordSplit } {
  if (cache) return cache;
  const s = atob(ESPEAK_CLIPS);
  const n = ESPEAK_LABELS.length;
  if (s.length !== n * ESPEAK_LENGTH) throw new DomainError(`espeakWords: ${s.length} bytes for ${n} clips of ${ESPEAK_LENGTH}`);
  const parts = { train: { signals: [] as Float64Array[], labels: [] as number[] }, test: { signals: [] as Float64Array[], labels: [] as number[] } };
  for (let i = 0; i < n; i++) {
    const x = new Float64Array(ESPEAK_LENGTH);
    for (let t = 0; t < ESPEAK_LENGTH; t++) x[t] = muLawDecode(s.charCodeAt(i * ESPEAK_LENGTH + t));
    const p = Number(ESPEAK_VOICE[i]) === ESPEAK_TEST_VOICE ? parts.test : parts.train;
    p.signals.push(x);
    p.labels.push(Number(ESPEAK_LABELS[i]));
  }
  cache = {
    train: { signals: parts.train.signals, labels: Int32Array.from(parts.train.labels) },
    test: { signals: parts.test.signals, labels: Int32Array.from(parts.test.labels) },
  };
  return cache;
}

/**
 * Linear probe: standardize features with the training statistics, fit multinomial logistic
 * regression (full batch, Adam, small weight decay), return the test accuracy.
 */
export function linearProbe(train: Matrix, trainLabels: Int32Array, test: Matrix, testLabels: Int32Array, classes: number, seed = 0, steps = 300): number {
  const d = train.cols;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let i = 0; i < train.rows; i++) for (let j = 0; j < d; j++) mean[j]! += train.data[i * d + j]! / train.rows;
  for (let i = 0; i < train.rows; i++) for (let j = 0; j < d; j++) sd[j]! += (train.data[i * d + j]! - mean[j]!) ** 2 / train.rows;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const std = (m: Matrix): Matrix<Float64Array> => ({ rows: m.rows, cols: d, data: Float64Array.from(m.data, (v, k) => (v - mean[k % d]!) / sd[k % d]!) });
  const xtr = std(train);
  const xte = std(test);
  const lin = new Linear(d, classes, { seed });
  const adam = new Adam({ lr: 0.02, weightDecay: 0.01 });
  const y = Float64Array.from(trainLabels);
  for (let s = 0; s < steps; s++) {
    lin.zeroGrad();
    const res = softmaxCrossEntropyLoss(lin.forward(xtr), y);
    lin.backward(res.grad);
    adam.step(lin.parameters());
  }
  const logits = lin.forward(xte);
  let ok = 0;
  for (let i = 0; i < xte.rows; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits.data[i * classes + c]! > logits.data[i * classes + best]!) best = c;
    if (best === testLabels[i]) ok++;
  }
  return ok / xte.rows;
}

/** One pretraining method scored by the linear probe. */
export interface ProbeRun {
  readonly accuracy: number;
  /** Probe accuracy on the time embedding h alone (equals `accuracy` except for 'frame'). */
  readonly timeOnlyAccuracy: number;
  readonly losses: readonly number[];
}

/** Pretrains on the training clips (labels unused) with `opts.method`, then probes on the test voice. */
export async function probeWords(opts: PretrainOptions & { onStep?: (i: PretrainStep) => void }): Promise<ProbeRun> {
  const { train, test } = espeakWords();
  const enc = await selfSupervisedPretrain(train.signals, opts);
  const seed = opts.seed ?? 0;
  const accuracy = linearProbe(enc.embed(train.signals), train.labels, enc.embed(test.signals), test.labels, 10, seed);
  const timeOnlyAccuracy = opts.method === 'frame' ? linearProbe(enc.embedTime(train.signals), train.labels, enc.embedTime(test.signals), test.labels, 10, seed) : accuracy;
  return { accuracy, timeOnlyAccuracy, losses: enc.losses };
}
