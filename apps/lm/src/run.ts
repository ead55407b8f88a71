import { DomainError, type Matrix, rng } from '@x/gpu';
import {
  Adam,
  type FitCheckpoint,
  type FitProgress,
  fit,
  Linear,
  lmCrossEntropy,
  type Module,
  type ModuleJSON,
  namedModules,
  type Optimizer,
  parameterCount,
  Sequential,
  type TransformerConfig,
  TransformerLM,
} from '@x/nn';
import { GrKan } from '@x/inr';
import { AdamW, DctAdamW, Muon, type OptimizerJSON, optimizerFromJSON } from '@x/optim';
import { type AdaptedLinear, type AdapterKindName, addSorsaRegularizerGrad, applyAdapters, type PeftModel, savePeftAdapter, sorsaRegularizer } from '@x/peft';
import { decode, encode, VOCAB_SIZE } from './tokenizer';

/** How a pre-trained model is adapted to the second corpus. */
export type Method = 'full' | 'lora' | 'pissa' | 'lora-xs' | 'lora-sb' | 'loldu' | 'svfit' | 'sorsa';
/** Optimizers compared on full fine-tuning. */
export type OptimizerName = 'adamw' | 'muon' | 'dct-adamw';

/** Sizes and schedule of one run. */
export interface LmConfig {
  model: Omit<TransformerConfig, 'vocabSize' | 'seed'>;
  /** Tokens per training window. */
  seqLen: number;
  batchSize: number;
  pretrainSteps: number;
  pretrainLr: number;
  finetuneSteps: number;
  /** Fine-tuning learning rate per method (AdamW). */
  finetuneLr: Record<Method, number>;
  /** LoRA / PiSSA rank; the other adapters are sized to about the same trainable budget where they can be. */
  rank: number;
  /** Characters of each corpus used for training (from the start) and held out (from the end). */
  trainChars: number;
  heldOutChars: number;
  /** Held-out windows scored per evaluation. */
  evalWindows: number;
  /** Characters generated per sample. */
  sampleChars: number;
  /** LoRA-SB: training batches of the code corpus whose full fine-tuning gradient initializes the adapters. */
  sbBatches: number;
}

/** The adapted projections: every attention and MLP projection of every block (PEFT's "all-linear" minus lm_head). */
export const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

/** The test's setting: ~30k parameters, a few hundred steps in all. */
export const QUICK: LmConfig = {
  model: { dim: 32, numLayers: 2, numHeads: 4, numKvHeads: 2, hidden: 64 },
  seqLen: 32,
  batchSize: 8,
  pretrainSteps: 200,
  pretrainLr: 1e-2,
  finetuneSteps: 40,
  finetuneLr: { full: 3e-3, lora: 1e-2, pissa: 3e-3, 'lora-xs': 2e-2, 'lora-sb': 2e-2, loldu: 5e-2, svfit: 2e-2, sorsa: 3e-3 },
  rank: 4,
  trainChars: 24000,
  heldOutChars: 3000,
  evalWindows: 32,
  sampleChars: 80,
  sbBatches: 2,
};

/**
 * The command's default setting: ~0.2M parameters; the whole comparison (pre-training of both
 * MLP variants, eight fine-tuning runs) fits in five minutes on two shared cores with the wasm
 * kernels. LoRA/PiSSA rank 4 puts them at the budget LoRA-XS/SB reach at rank 26 (within 2%).
 */
export const DEFAULT: LmConfig = {
  model: { dim: 64, numLayers: 4, numHeads: 4, numKvHeads: 2, hidden: 176 },
  seqLen: 32,
  batchSize: 8,
  pretrainSteps: 200,
  pretrainLr: 5e-3,
  finetuneSteps: 40,
  finetuneLr: { full: 1e-3, lora: 5e-3, pissa: 2e-3, 'lora-xs': 1e-2, 'lora-sb': 1e-2, loldu: 3e-2, svfit: 1e-2, sorsa: 2e-3 },
  rank: 4,
  trainChars: 45000,
  heldOutChars: 5000,
  evalWindows: 64,
  sampleChars: 120,
  sbBatches: 4,
};

/** What `onProgress` receives every `progressEvery` steps of any training run. */
export interface LmProgress {
  phase: 'pretrain' | 'finetune';
  /** `pretrain`, or the fine-tuning run's label (`lora`, `full/muon`, ...). */
  run: string;
  step: number;
  steps: number;
  loss: number;
  /** fit's snapshot of the run (model, optimizer, loop state) for resuming. */
  checkpoint(): ReturnType<FitProgress['checkpoint']>;
  /**
   * A snapshot of the whole `runLm` call as of the last completed step (also valid after an
   * abort): pass it back as `resume` to continue where it stopped, with the same results.
   */
  runCheckpoint(): LmCheckpoint;
}

/**
 * Everything `runLm({ resume })` needs to continue a run: the finished parts and the training
 * run in progress (its trainable parameter values in `parameters()` order, and fit's loop and
 * optimizer state). JSON-safe apart from `finetunes[].peftAdapter.weights` (bytes; structured
 * cloning keeps them).
 */
export interface LmCheckpoint {
  version: 1;
  seed: number;
  config: LmConfig;
  /** Set once pre-training (or loading `pretrained`) is done. */
  pretrained?: ModuleJSON;
  pretrainLosses?: number[];
  kat?: KatResult;
  finetunes: FinetuneResult[];
  /** The run that was in progress: `pretrain`, `pretrain/kat` or a fine-tuning label. */
  current?: { run: string; params: number[][]; fit: Omit<FitCheckpoint, 'model'> };
}

/** A finished part of the run, reported as soon as it is done (the same numbers end up in the {@link LmReport}). */
export type LmStage =
  | {
      type: 'pretrained';
      parameters: number;
      pretrainLosses: number[];
      initProseLoss: number;
      initCodeLoss: number;
      proseLossBefore: number;
      codeLossBefore: number;
      sampleBefore: string;
      proseSampleBefore: string;
      pretrainMs: number;
    }
  | { type: 'kat'; kat: KatResult }
  | { type: 'finetune'; result: FinetuneResult };

/** Options of {@link runLm}. */
export interface LmRunOptions {
  /** `'quick'` (the test) or `'default'` (the command); `config` overrides either. */
  mode?: 'quick' | 'default';
  config?: Partial<LmConfig>;
  seed?: number;
  methods?: readonly Method[];
  /** Optimizers for the full fine-tuning comparison (each adds one run). */
  optimizers?: readonly OptimizerName[];
  /** SORSA runs: the orthonormality regularizer's weight γ (default {@link SORSA_GAMMA}; 0 turns it off). */
  sorsaGamma?: number;
  signal?: AbortSignal;
  onProgress?: (p: LmProgress) => void;
  progressEvery?: number;
  /** A pre-trained model's JSON (e.g. a saved `report.pretrained`): skips pre-training. */
  pretrained?: ModuleJSON;
  /** Also pre-train the KAT variant (every block's MLP replaced by two GR-KAN layers at about the same parameter count) and compare. */
  kat?: boolean;
  /** Called when pre-training, the KAT comparison and each fine-tuning run finish (with their held-out losses and samples). */
  onStage?: (s: LmStage) => void;
  /** Continue from `LmProgress.runCheckpoint()` of an earlier call with the same corpora, options and seed: finished parts are kept, the interrupted run continues from its last step. */
  resume?: LmCheckpoint;
}

/** The KAT-versus-MLP comparison: both pre-trained on prose with the same data, steps and learning rate. */
export interface KatResult {
  /** Hidden width of the GR-KAN pair (a multiple of the 8 rational groups), chosen for equal parameters. */
  hidden: number;
  parameters: number;
  mlpParameters: number;
  losses: number[];
  /** Held-out prose loss of the KAT model (the MLP model's is `LmReport.proseLossBefore`). */
  proseLoss: number;
  codeLoss: number;
  ms: number;
}

/** One fine-tuning run on the code corpus. */
export interface FinetuneResult {
  run: string;
  method: Method;
  optimizer: OptimizerName;
  /** Trainable scalars of the run (all parameters for full fine-tuning). */
  trainable: number;
  /** Rank used (adapters). */
  rank: number | null;
  losses: number[];
  /** Held-out loss on the code corpus after fine-tuning (before: `LmReport.codeLossBefore`). */
  codeLoss: number;
  /** Held-out loss on the prose corpus after fine-tuning (forgetting). */
  proseLoss: number;
  /** Whether every non-adapter parameter is bit-identical to the pre-trained one (always false for full). */
  frozenUnchanged: boolean;
  sample: string;
  ms: number;
  /** SORSA runs: mean over the adapted layers of ‖A Aᵀ − I‖_F + ‖Bᵀ B − I‖_F after fine-tuning (0 at SORSA's init). */
  sorsaDeviation?: number;
  /** LoRA and PiSSA runs: the trained adapter as a PEFT directory (`adapter_config.json` text, `adapter_model.safetensors` bytes) on the pre-trained weights. */
  peftAdapter?: { config: string; weights: Uint8Array };
}

/** Everything {@link runLm} measured. */
export interface LmReport {
  config: LmConfig;
  seed: number;
  parameters: number;
  pretrainLosses: number[];
  /** Held-out losses (nats per character) of the untrained model, on prose and code. */
  initProseLoss: number;
  initCodeLoss: number;
  /** After pre-training on prose. */
  proseLossBefore: number;
  codeLossBefore: number;
  sampleBefore: string;
  proseSampleBefore: string;
  finetunes: FinetuneResult[];
  pretrained: ModuleJSON;
  pretrainMs: number;
  kat?: KatResult;
}

/**
 * The KAT MLP (Yang & Wang 2024): GR-KAN(dim -> h) with the identity-initialised rational, then
 * GR-KAN(h -> dim) with the GELU-fitted one, each with the paper's variance-preserving weight
 * init from its rational's second moment (@x/inr `GrKan`).
 */
function katMlp(dim: number, h: number, seed: number): Module {
  return new Sequential(new GrKan(dim, h, { init: 'identity', seed }), new GrKan(h, dim, { init: 'gelu', seed: seed + 1 }));
}

/** A TransformerLM whose MLPs are KAT blocks with the hidden width (multiple of 8) that best matches the SwiGLU model's parameter count. */
export function katModel(cfg: LmConfig, seed: number): { model: TransformerLM; hidden: number } {
  const { dim, hidden } = cfg.model;
  const target = 3 * dim * hidden;
  let best = 8;
  for (let h = 8; h <= 4 * hidden; h += 8) {
    if (Math.abs(parameterCount(katMlp(dim, h, 0)) - target) < Math.abs(parameterCount(katMlp(dim, best, 0)) - target)) best = h;
  }
  const model = new TransformerLM({ ...cfg.model, vocabSize: VOCAB_SIZE, seed });
  model.layers.forEach((b, i) => {
    b.setChild('mlp', katMlp(dim, best, seed * 1000 + 2 * i));
  });
  return { model, hidden: best };
}

interface Windows {
  x: Matrix;
  y: Matrix;
}

/** Overlapping windows of T + 1 tokens at `stride`: x the first T, y the next-token targets. */
export function windows(ids: Int32Array, T: number, stride: number): Windows {
  const n = Math.max(0, Math.floor((ids.length - T - 1) / stride) + 1);
  if (n < 1) throw new DomainError(`windows: ${ids.length} tokens are fewer than one window of ${T + 1}`);
  const x = new Float64Array(n * T);
  const y = new Float64Array(n * T);
  for (let w = 0; w < n; w++) {
    for (let t = 0; t < T; t++) {
      x[w * T + t] = ids[w * stride + t]!;
      y[w * T + t] = ids[w * stride + t + 1]!;
    }
  }
  return { x: { rows: n, cols: T, data: x }, y: { rows: n, cols: T, data: y } };
}

/** Mean next-token loss (nats per character) over the first `max` windows, 16 at a time. */
export function heldOutLoss(model: Module, data: Windows, max: number): number {
  const n = Math.min(max, data.x.rows);
  const T = data.x.cols;
  let total = 0;
  for (let s = 0; s < n; s += 16) {
    const b = Math.min(16, n - s);
    const x = { rows: b, cols: T, data: data.x.data.subarray(s * T, (s + b) * T) };
    const y = { rows: b, cols: T, data: data.y.data.subarray(s * T, (s + b) * T) };
    total += lmCrossEntropy(model.forward(x), y).value * b;
  }
  return total / n;
}

/** Characters per block of the train/held-out split. */
const BLOCK = 500;

/**
 * Splits a corpus into blocks of 500 characters and holds out every 10th block (so both parts
 * cover the whole corpus: license text, notices and READMEs alike), then keeps the first
 * `trainChars` / `heldOutChars` of each part.
 */
export function split(text: string, cfg: Pick<LmConfig, 'trainChars' | 'heldOutChars'>): { train: Int32Array; heldOut: Int32Array } {
  const ids = encode(text);
  const train: number[] = [];
  const held: number[] = [];
  for (let b = 0; b * BLOCK < ids.length; b++) {
    const blk = ids.subarray(b * BLOCK, (b + 1) * BLOCK);
    const dst = b % 10 === 9 ? held : train;
    if (dst.length < (dst === held ? cfg.heldOutChars : cfg.trainChars)) for (const v of blk) dst.push(v);
  }
  if (train.length < cfg.trainChars || held.length < cfg.heldOutChars) {
    throw new DomainError(`runLm: a corpus of ${ids.length} characters cannot give ${cfg.trainChars} training and ${cfg.heldOutChars} held-out characters`);
  }
  return { train: Int32Array.from(train.slice(0, cfg.trainChars)), heldOut: Int32Array.from(held.slice(0, cfg.heldOutChars)) };
}

function makeOptimizer(name: OptimizerName, lr: number): Optimizer {
  const aux = ['model.embed_tokens.weight', 'lm_head.weight'];
  switch (name) {
    case 'adamw':
      return new AdamW({ lr, weightDecay: 0 });
    case 'muon':
      return new Muon({ lr: 0.02, adamLr: lr, adamNames: aux, shapeScale: 'moonlight' }) as unknown as Optimizer;
    case 'dct-adamw':
      return new DctAdamW({ lr, rank: 16, adamNames: aux }) as unknown as Optimizer;
  }
}

/** SORSA's orthonormality regularizer weight γ (sorsalib's default in its scripts; spec §1.3). */
export const SORSA_GAMMA = 4e-4;

/**
 * The optimizer with SORSA's regularizer wired into the step, as sorsalib's trainer does: the
 * (γ / lr) ∇ L_reg term is added to A's and B's gradients of every adapted layer just before each
 * update (`addSorsaRegularizerGrad`). Saves and restores as the optimizer it wraps.
 */
function withSorsaRegularizer(inner: Optimizer, layers: AdaptedLinear[], gamma: number, lr: number): Optimizer {
  return {
    step(params) {
      addSorsaRegularizerGrad(layers, { gamma, lr });
      inner.step(params);
    },
    toJSON: () => inner.toJSON(),
  };
}

function sorsaDeviation(layers: AdaptedLinear[]): number {
  let s = 0;
  for (const l of layers) s += sorsaRegularizer(l.tensor('A'), l.tensor('B')).value / layers.length;
  return s;
}

/**
 * Budget-matched ranks: LoRA-XS's and LoRA-SB's r² per target ≈ LoRA's r (in + out), capped at
 * the narrowest projection (SORSA: LoRA's rank, its r singular values add r per target); SVFit/LoLDU at their largest rank min(in, out), which stays below
 * the others' budget.
 */
export function rankFor(method: Method, cfg: LmConfig): number {
  const { dim, hidden } = cfg.model;
  const kvDim = (dim / cfg.model.numHeads) * (cfg.model.numKvHeads ?? cfg.model.numHeads);
  const minDim = Math.min(dim, hidden, kvDim);
  if (method === 'lora' || method === 'pissa' || method === 'sorsa') return cfg.rank;
  if (method === 'svfit' || method === 'loldu') return minDim;
  // LoRA-XS / LoRA-SB: mean LoRA budget per target over the 7 projections, as r².
  const loraPerTarget = (cfg.rank * (2 * dim + 2 * dim + (dim + kvDim) * 2 + 3 * (dim + hidden))) / 7;
  return Math.max(1, Math.min(minDim, Math.round(Math.sqrt(loraPerTarget))));
}

function sample(model: TransformerLM, prompt: string, cfg: LmConfig, seed: number): string {
  const out = model.generate(encode(prompt), { maxNewTokens: cfg.sampleChars, temperature: 0.7, topK: 10, seed, contextLength: cfg.seqLen });
  return prompt + decode(out);
}

/**
 * LoRA-SB's initialization input: the full fine-tuning gradient dL/dW (out x in) of every target
 * projection, accumulated over `cfg.sbBatches` random training batches of the new corpus (real
 * data, the model's own loss), by module path.
 */
function fullGradients(model: TransformerLM, data: Windows, cfg: LmConfig, seed: number): Map<string, Matrix> {
  const r = rng(seed);
  const T = data.x.cols;
  const b = cfg.batchSize;
  const x = new Float64Array(b * T);
  const y = new Float64Array(b * T);
  model.zeroGrad();
  for (let k = 0; k < cfg.sbBatches; k++) {
    for (let i = 0; i < b; i++) {
      const w = Math.floor(r.uniform() * data.x.rows);
      x.set(data.x.data.subarray(w * T, (w + 1) * T), i * T);
      y.set(data.y.data.subarray(w * T, (w + 1) * T), i * T);
    }
    const loss = lmCrossEntropy(model.forward({ rows: b, cols: T, data: x }), { rows: b, cols: T, data: y });
    model.backward(loss.grad);
  }
  const out = new Map<string, Matrix>();
  for (const [n, m] of namedModules(model)) {
    if (m instanceof Linear && TARGETS.some((t) => n.endsWith(`.${t}`))) {
      out.set(n, { rows: m.outFeatures, cols: m.inFeatures, data: m.weightGrad.map((g) => g / cfg.sbBatches) });
    }
  }
  model.zeroGrad();
  return out;
}

const CODE_PROMPT = 'interface ';
const PROSE_PROMPT = 'The ';

/**
 * The experiment: pre-train a character-level llama-style TransformerLM on prose, then adapt it
 * to TypeScript declarations with full fine-tuning and model-wide adapters (and, optionally,
 * other optimizers for full fine-tuning), scoring held-out loss on both corpora before and after
 * and sampling text. Seeded: the same corpora, options and seed give the same report (timings
 * aside). Abortable through `signal` (between steps).
 */
export async function runLm(corpora: { prose: string; code: string }, opts: LmRunOptions = {}): Promise<LmReport> {
  const cfg: LmConfig = { ...(opts.mode === 'default' ? DEFAULT : QUICK), ...opts.config };
  const seed = opts.seed ?? 0;
  const T = cfg.seqLen;
  const prose = split(corpora.prose, cfg);
  const code = split(corpora.code, cfg);
  const proseTrain = windows(prose.train, T, T / 2);
  const proseHeld = windows(prose.heldOut, T, T);
  const codeTrain = windows(code.train, T, T / 2);
  const codeHeld = windows(code.heldOut, T, T);
  const every = opts.progressEvery ?? 10;
  const resume = opts.resume;
  if (resume && (resume.version !== 1 || resume.seed !== seed || JSON.stringify(resume.config) !== JSON.stringify(cfg))) {
    throw new DomainError('runLm: the resume checkpoint was made with another seed or setting (pass the same mode, config and seed)');
  }

  // What a resume needs: the finished parts (kept up to date below) and the fit in progress.
  const state: LmCheckpoint = resume ? { ...resume, finetunes: [...resume.finetunes], current: undefined } : { version: 1, seed, config: cfg, finetunes: [] };
  const report = (phase: LmProgress['phase'], run: string, trained: Module) => (p: FitProgress) =>
    opts.onProgress?.({
      phase,
      run,
      step: p.step,
      steps: p.steps,
      loss: p.loss,
      checkpoint: () => p.checkpoint(),
      runCheckpoint: () => {
        const { model: _model, ...loop } = p.checkpoint();
        return { ...state, finetunes: [...state.finetunes], current: { run, params: trained.parameters().map((q) => Array.from(q.value)), fit: loop } };
      },
    });
  /** fit with this run's progress reporting, continuing the checkpoint's run of the same label if there is one. */
  const train = async (phase: LmProgress['phase'], run: string, model: Module, optimizer: Optimizer, data: Windows, steps: number, fitSeed: number) => {
    const cur = resume?.current?.run === run ? resume.current : undefined;
    if (cur) {
      const params = model.parameters();
      if (cur.params.length !== params.length || cur.params.some((v, i) => v.length !== params[i]!.value.length)) {
        throw new DomainError(`runLm: the checkpoint's parameters for ${run} do not match the model (${cur.params.length} tensors for ${params.length})`);
      }
      params.forEach((q, i) => {
        q.value.set(cur.params[i]!);
      });
    }
    return fit({
      model,
      loss: lmCrossEntropy,
      optimizer,
      data,
      steps,
      batchSize: cfg.batchSize,
      seed: fitSeed,
      signal: opts.signal,
      onProgress: report(phase, run, model),
      progressEvery: every,
      resume: cur ? { ...cur.fit, model: model.toJSON() } : undefined,
    });
  };
  const resumedOptimizer = <O>(run: string, make: () => O, restore: (json: never) => O): O => {
    const cur = resume?.current?.run === run ? resume.current : undefined;
    return cur ? restore(cur.fit.optimizer as never) : make();
  };

  // 1. Pre-train on prose (or load the given model, or the checkpoint's).
  const t0 = performance.now();
  let lm: TransformerLM;
  let pretrainLosses: number[] = [];
  const fresh = new TransformerLM({ ...cfg.model, vocabSize: VOCAB_SIZE, seed });
  const initProseLoss = heldOutLoss(fresh, proseHeld, cfg.evalWindows);
  const initCodeLoss = heldOutLoss(fresh, codeHeld, cfg.evalWindows);
  if (opts.pretrained) {
    lm = TransformerLM.fromJSON(opts.pretrained);
  } else if (state.pretrained) {
    lm = TransformerLM.fromJSON(state.pretrained);
    pretrainLosses = [...(state.pretrainLosses ?? [])];
  } else {
    lm = fresh;
    const optimizer = resumedOptimizer('pretrain', () => new Adam({ lr: cfg.pretrainLr, weightDecay: 0.01 }), Adam.fromJSON);
    const res = await train('pretrain', 'pretrain', lm, optimizer, proseTrain, cfg.pretrainSteps, seed);
    pretrainLosses = Array.from(res.losses);
  }
  const pretrainMs = performance.now() - t0;
  const pretrained = lm.toJSON();
  state.pretrained = pretrained;
  state.pretrainLosses = pretrainLosses;
  const proseLossBefore = heldOutLoss(lm, proseHeld, cfg.evalWindows);
  const codeLossBefore = heldOutLoss(lm, codeHeld, cfg.evalWindows);
  const sampleBefore = sample(lm, CODE_PROMPT, cfg, seed);
  const proseSampleBefore = sample(lm, PROSE_PROMPT, cfg, seed);
  opts.onStage?.({
    type: 'pretrained',
    parameters: lm.numParameters,
    pretrainLosses,
    initProseLoss,
    initCodeLoss,
    proseLossBefore,
    codeLossBefore,
    sampleBefore,
    proseSampleBefore,
    pretrainMs,
  });

  let kat: KatResult | undefined = state.kat;
  if (opts.kat && !kat) {
    const tk = performance.now();
    const { model, hidden } = katModel(cfg, seed);
    const optimizer = resumedOptimizer('pretrain/kat', () => new Adam({ lr: cfg.pretrainLr, weightDecay: 0.01 }), Adam.fromJSON);
    const res = await train('pretrain', 'pretrain/kat', model, optimizer, proseTrain, cfg.pretrainSteps, seed);
    kat = {
      hidden,
      parameters: model.numParameters,
      mlpParameters: lm.numParameters,
      losses: Array.from(res.losses),
      proseLoss: heldOutLoss(model, proseHeld, cfg.evalWindows),
      codeLoss: heldOutLoss(model, codeHeld, cfg.evalWindows),
      ms: performance.now() - tk,
    };
    state.kat = kat;
  }
  if (opts.kat && kat) opts.onStage?.({ type: 'kat', kat });

  // 2. Fine-tune on code: each method from the same pre-trained weights.
  const runs: Array<{ method: Method; optimizer: OptimizerName }> = (opts.methods ?? ['full', 'lora', 'pissa', 'lora-xs', 'lora-sb', 'loldu']).map((method) => ({
    method,
    optimizer: 'adamw' as const,
  }));
  for (const o of opts.optimizers ?? []) if (o !== 'adamw' || !runs.some((r) => r.method === 'full')) runs.push({ method: 'full', optimizer: o });
  const finetunes = state.finetunes;
  for (const { method, optimizer } of runs) {
    const label = optimizer === 'adamw' ? method : `${method}/${optimizer}`;
    const done = finetunes.find((f) => f.run === label);
    if (done) {
      opts.onStage?.({ type: 'finetune', result: done });
      continue;
    }
    const t1 = performance.now();
    const model = TransformerLM.fromJSON(pretrained);
    let trainModule: Module = model;
    let rank: number | null = null;
    // Every tensor that must stay fixed: the non-adapter parameters and the adapted layers' frozen bases.
    let frozen: Array<[Float64Array, Float64Array]> = [];
    let peftModel: PeftModel | null = null;
    if (method !== 'full') {
      rank = rankFor(method, cfg);
      const gradients = method === 'lora-sb' ? fullGradients(model, codeTrain, cfg, seed + 2) : undefined;
      const peft = applyAdapters(model, { targetModules: TARGETS, kind: method as AdapterKindName, rank, seed, gradients });
      trainModule = peft;
      peftModel = peft;
      const trainable = new Set(peft.parameters().map((p) => p.value));
      const fixed = [...model.parameters().map((p) => p.value).filter((v) => !trainable.has(v)), ...[...peft.adapted.values()].map((l) => l.base.data)];
      frozen = fixed.map((v) => [v, Float64Array.from(v)]);
    }
    let opt = resumedOptimizer(label, () => makeOptimizer(optimizer, cfg.finetuneLr[method]), (json: OptimizerJSON) => optimizerFromJSON(json) as unknown as Optimizer);
    if (method === 'sorsa' && peftModel) opt = withSorsaRegularizer(opt, [...peftModel.adapted.values()], opts.sorsaGamma ?? SORSA_GAMMA, cfg.finetuneLr[method]);
    const res = await train('finetune', label, trainModule, opt, codeTrain, cfg.finetuneSteps, seed + 1);
    const frozenUnchanged = method !== 'full' && frozen.every(([now, was]) => now.every((v, k) => Object.is(v, was[k])));
    const result: FinetuneResult = {
      run: label,
      method,
      optimizer,
      trainable: parameterCount(trainModule),
      rank,
      losses: Array.from(res.losses),
      codeLoss: heldOutLoss(model, codeHeld, cfg.evalWindows),
      proseLoss: heldOutLoss(model, proseHeld, cfg.evalWindows),
      frozenUnchanged,
      sample: sample(model, CODE_PROMPT, cfg, seed),
      ms: performance.now() - t1,
      peftAdapter: peftModel && (method === 'lora' || method === 'pissa') ? savePeftAdapter(peftModel.toPeftAdapter()) : undefined,
      sorsaDeviation: method === 'sorsa' && peftModel ? sorsaDeviation([...peftModel.adapted.values()]) : undefined,
    };
    finetunes.push(result);
    opts.onStage?.({ type: 'finetune', result });
  }
  return {
    config: cfg,
    seed,
    parameters: lm.numParameters,
    pretrainLosses,
    initProseLoss,
    initCodeLoss,
    proseLossBefore,
    codeLossBefore,
    sampleBefore,
    proseSampleBefore,
    finetunes,
    pretrained,
    pretrainMs,
    kat,
  };
}
