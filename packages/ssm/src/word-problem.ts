import { DomainError, type EncodedArray, type Rng, rng as makeRng } from '@x/gpu';
import { checkAborted, checkAlloc, checkOptions, checkSeed, checkSize, checkSteps, describe } from '@x/gpu/checks';
import { Adam, type ModuleStateJSON, moduleJSON, type Parameter, readModuleJSON } from '@x/nn';
import { checkInt, checkStruct } from './complex';
import { deltaProductBackward, deltaProductRecurrence } from './deltaproduct';
import { s3WordProblem } from './s3';
import { yieldToEventLoop } from './yield';

/** Options of {@link DeltaProductClassifier}. */
export interface DeltaProductClassifierOptions {
  /** Householder sub-steps per token (n_h). */
  nh: number;
  /** beta = betaMax * sigmoid(.): 1 gives beta in [0, 1] (DeltaNet), 2 gives [0, 2] (negative eigenvalues). */
  betaMax: 1 | 2;
  /** Key/value dimension (dk = dv = d). */
  d: number;
  /** Vocabulary size = number of classes (6 for S3). */
  vocab?: number;
  seed?: number;
}

const NAMES = ['key', 'value', 'beta', 'query', 'h0', 'wOut', 'bOut'] as const;
type ClassifierParam = (typeof NAMES)[number];

/**
 * What {@link DeltaProductClassifier.toJSON} returns: the `@x` state envelope, `nh`, `betaMax`,
 * `d` and `vocab` as `config`, the parameters `key`, `value`, `beta`, `query`, `h0`, `wOut`,
 * `bOut` as bit-exact encoded arrays in `state`.
 */
export type DeltaProductClassifierJSON = ModuleStateJSON<
  'DeltaProductClassifier',
  { nh: number; betaMax: 1 | 2; d: number; vocab: number },
  Record<'key' | 'value' | 'beta' | 'query' | 'h0' | 'wOut' | 'bOut', EncodedArray>
>;

/**
 * A one-layer DeltaProduct sequence classifier for group word problems (DeltaProduct paper
 * Sec. 5.1): token embeddings give, per sub-step j, a key k_j = normalize(K_j[x]), a value
 * V_j[x] and beta_j = betaMax sigmoid(b_j[x]), and a query Q[x]; the recurrence
 * ({@link deltaProductRecurrence}) starts from a learned state H_0 and a linear readout maps
 * o_t to class logits. Trained with softmax cross-entropy on every prefix. Hand-written backward
 * (through {@link deltaProductBackward}, the key normalization and the sigmoid).
 */
export class DeltaProductClassifier {
  readonly nh: number;
  readonly betaMax: 1 | 2;
  readonly d: number;
  readonly vocab: number;
  /** Parameters in the order of NAMES: key (nh V d), value (nh V d), beta (nh V), query (V d), h0 (d d), wOut (V d), bOut (V). */
  readonly params: Float64Array[];
  /** Gradient storage paired with `params` (what {@link DeltaProductClassifier.parameters} exposes). */
  readonly grads: Float64Array[];

  constructor(opts: DeltaProductClassifierOptions) {
    const fn = 'DeltaProductClassifier';
    checkStruct(fn, 'options', opts);
    checkOptions(fn, opts, ['nh', 'betaMax', 'd', 'vocab', 'seed']);
    this.nh = checkInt(fn, 'nh', opts.nh, 1);
    this.d = checkInt(fn, 'd', opts.d, 1);
    this.vocab = checkInt(fn, 'vocab', opts.vocab ?? 6, 2);
    if (opts.betaMax !== 1 && opts.betaMax !== 2) throw new DomainError(`${fn}: betaMax must be 1 or 2`);
    this.betaMax = opts.betaMax;
    const { nh, d, vocab: V } = this;
    const r = makeRng(checkSeed(fn, 'seed', opts.seed ?? 0));
    const nrm = (n: number, s: number) => {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = s * r.normal();
      return a;
    };
    this.params = [nrm(nh * V * d, 1), nrm(nh * V * d, 0.1), new Float64Array(nh * V), nrm(V * d, 1), nrm(d * d, 1 / Math.sqrt(d)), nrm(V * d, 1 / Math.sqrt(d)), new Float64Array(V)];
    this.grads = this.params.map((q) => new Float64Array(q.length));
  }

  /** The trainable tensors as @x/nn `Parameter`s (shared storage), for any @x/nn optimizer. */
  parameters(): Parameter[] {
    const { nh, d, vocab: V } = this;
    const shapes = [[nh * V, d], [nh * V, d], [nh, V], [V, d], [d, d], [V, d], [V]];
    return NAMES.map((name, i) => ({ name, value: this.params[i]!, grad: this.grads[i]!, shape: shapes[i]! }));
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    for (const g of this.grads) g.fill(0);
  }

  /** Builds the recurrence inputs for a token sequence (and the caches the backward needs). */
  private inputs(tokens: Int32Array) {
    const { nh, d, vocab: V, params } = this;
    const [K, Vv, Bb, Q, H0] = params as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const T = tokens.length;
    const k = new Float64Array(T * nh * d);
    const kn = new Float64Array(T * nh);
    const v = new Float64Array(T * nh * d);
    const beta = new Float64Array(T * nh);
    const sig = new Float64Array(T * nh);
    const q = new Float64Array(T * d);
    for (let t = 0; t < T; t++) {
      const x = tokens[t]!;
      if (!(x >= 0 && x < V)) throw new DomainError(`DeltaProductClassifier: token ${x} out of range [0, ${V})`);
      for (let j = 0; j < nh; j++) {
        const s = t * nh + j;
        const src = (j * V + x) * d;
        let n2 = 0;
        for (let a = 0; a < d; a++) n2 += K[src + a]! ** 2;
        const n = Math.sqrt(n2) + 1e-12;
        kn[s] = n;
        for (let a = 0; a < d; a++) {
          k[s * d + a] = K[src + a]! / n;
          v[s * d + a] = Vv[src + a]!;
        }
        const sg = 1 / (1 + Math.exp(-Bb[j * V + x]!));
        sig[s] = sg;
        beta[s] = this.betaMax * sg;
      }
      for (let a = 0; a < d; a++) q[t * d + a] = Q[x * d + a]!;
    }
    return { T, nh, dk: d, dv: d, q, k, v, beta, h0: H0, kn, sig };
  }

  /** Class logits, T x vocab. */
  logits(tokens: Int32Array): Float64Array {
    if (!(tokens instanceof Int32Array)) throw new DomainError(`DeltaProductClassifier: tokens must be an Int32Array, got ${describe(tokens)}`);
    const inp = this.inputs(tokens);
    const { o } = deltaProductRecurrence(inp);
    return this.readout(o, tokens.length);
  }

  private readout(o: Float64Array, T: number): Float64Array {
    const { d, vocab: V } = this;
    const W = this.params[5]!;
    const b = this.params[6]!;
    const z = new Float64Array(T * V);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < V; c++) {
        let s = b[c]!;
        for (let a = 0; a < d; a++) s += W[c * d + a]! * o[t * d + a]!;
        z[t * V + c] = s;
      }
    }
    return z;
  }

  /**
   * Mean cross-entropy over all positions of a batch and its gradient, added into `grads`
   * (same layout as `params`). Returns the loss.
   */
  lossAndGrad(batch: { tokens: Int32Array; labels: Int32Array }[], grads: Float64Array[]): number {
    const { nh, d, vocab: V } = this;
    let total = 0;
    let count = 0;
    for (const ex of batch) count += ex.tokens.length;
    for (const { tokens, labels } of batch) {
      const T = tokens.length;
      const inp = this.inputs(tokens);
      const { o } = deltaProductRecurrence(inp);
      const z = this.readout(o, T);
      const dz = new Float64Array(T * V);
      for (let t = 0; t < T; t++) {
        let m = -Infinity;
        for (let c = 0; c < V; c++) m = Math.max(m, z[t * V + c]!);
        let se = 0;
        for (let c = 0; c < V; c++) se += Math.exp(z[t * V + c]! - m);
        const lse = m + Math.log(se);
        total += lse - z[t * V + labels[t]!]!;
        for (let c = 0; c < V; c++) dz[t * V + c] = (Math.exp(z[t * V + c]! - lse) - (c === labels[t]! ? 1 : 0)) / count;
      }
      const W = this.params[5]!;
      const [gK, gV, gB, gQ, gH0, gW, gb] = grads as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
      const dO = new Float64Array(T * d);
      for (let t = 0; t < T; t++) {
        for (let c = 0; c < V; c++) {
          const g = dz[t * V + c]!;
          if (g === 0) continue;
          gb[c] = gb[c]! + g;
          for (let a = 0; a < d; a++) {
            gW[c * d + a] = gW[c * d + a]! + g * o[t * d + a]!;
            dO[t * d + a] = dO[t * d + a]! + g * W[c * d + a]!;
          }
        }
      }
      const gr = deltaProductBackward(inp, dO);
      for (let i = 0; i < d * d; i++) gH0[i] = gH0[i]! + gr.dh0[i]!;
      for (let t = 0; t < T; t++) {
        const x = tokens[t]!;
        for (let a = 0; a < d; a++) gQ[x * d + a] = gQ[x * d + a]! + gr.dq[t * d + a]!;
        for (let j = 0; j < nh; j++) {
          const s = t * nh + j;
          const dst = (j * V + x) * d;
          // k = r/|r|: dr = (dk - k (k·dk)) / |r|
          let kd = 0;
          for (let a = 0; a < d; a++) kd += inp.k[s * d + a]! * gr.dk[s * d + a]!;
          const inv = 1 / inp.kn[s]!;
          for (let a = 0; a < d; a++) {
            gK[dst + a] = gK[dst + a]! + (gr.dk[s * d + a]! - inp.k[s * d + a]! * kd) * inv;
            gV[dst + a] = gV[dst + a]! + gr.dv[s * d + a]!;
          }
          const sg = inp.sig[s]!;
          gB[j * V + x] = gB[j * V + x]! + gr.dbeta[s]! * this.betaMax * sg * (1 - sg);
        }
      }
    }
    return total / count;
  }

  /** Per-position accuracy (fraction of correct argmax predictions). */
  accuracy(data: { tokens: Int32Array; labels: Int32Array }[]): number {
    let ok = 0;
    let n = 0;
    const V = this.vocab;
    for (const { tokens, labels } of data) {
      const z = this.logits(tokens);
      for (let t = 0; t < tokens.length; t++) {
        let best = 0;
        for (let c = 1; c < V; c++) if (z[t * V + c]! > z[t * V + best]!) best = c;
        if (best === labels[t]) ok++;
        n++;
      }
    }
    return n ? ok / n : 0;
  }

  /** The state envelope: sizes and `betaMax` as `config`, every parameter (bit-exact) as `state`. */
  toJSON(): DeltaProductClassifierJSON {
    const state = Object.fromEntries(NAMES.map((n, i) => [n, this.params[i]!])) as Record<ClassifierParam, Float64Array>;
    return moduleJSON('DeltaProductClassifier', { nh: this.nh, betaMax: this.betaMax, d: this.d, vocab: this.vocab }, state);
  }

  /**
   * Rebuilds a classifier from {@link DeltaProductClassifier.toJSON} (or the unversioned format
   * of earlier releases) with identical parameters. `nh` and `d` must be positive integers,
   * `vocab` an integer >= 2, `betaMax` 1 or 2, and every parameter present, of the length the
   * sizes imply and finite; lengths are checked before anything is allocated (DomainError for a
   * wrong type or value, ShapeError for a wrong length).
   */
  static fromJSON(json: DeltaProductClassifierJSON): DeltaProductClassifier {
    const fn = 'DeltaProductClassifier.fromJSON';
    const r = readModuleJSON(fn, 'DeltaProductClassifier', json);
    const nh = r.int('nh', 1);
    const d = r.int('d', 1);
    const vocab = r.int('vocab', 2);
    const betaMax = r.number('betaMax');
    if (betaMax !== 1 && betaMax !== 2) throw new DomainError(`${fn}: config.betaMax must be 1 or 2, got ${betaMax}`);
    const sizes = [nh * vocab * d, nh * vocab * d, nh * vocab, vocab * d, d * d, vocab * d, vocab];
    const values = NAMES.map((n, i) => r.f64(n, { length: sizes[i]!, finite: true }));
    const m = new DeltaProductClassifier({ nh, betaMax, d, vocab });
    for (let i = 0; i < values.length; i++) m.params[i]!.set(values[i]!);
    return m;
  }
}

/** Options of {@link trainS3WordProblem}. */
export interface TrainS3Options extends DeltaProductClassifierOptions {
  trainLength?: number;
  steps?: number;
  batch?: number;
  lr?: number;
  onProgress?: (info: { fraction: number; step: number; loss: number }) => void;
  signal?: AbortSignal;
}

/**
 * Trains a {@link DeltaProductClassifier} on fresh random S3 word problems of a fixed length with
 * @x/nn's Adam (seeded: same options, same result). Returns the model and the loss curve.
 */
export async function trainS3WordProblem(opts: TrainS3Options): Promise<{ model: DeltaProductClassifier; losses: number[] }> {
  const fn = 'trainS3WordProblem';
  if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options must be an object, got ${describe(opts)}`);
  checkOptions(fn, opts, ['nh', 'betaMax', 'd', 'vocab', 'seed', 'trainLength', 'steps', 'batch', 'lr', 'onProgress', 'signal']);
  checkAborted(fn, opts.signal);
  const { trainLength: _t, steps: _s, batch: _b, lr: _l, onProgress: _o, signal: _g, ...modelOpts } = opts;
  const model = new DeltaProductClassifier(modelOpts);
  const L = checkSize(fn, 'trainLength', opts.trainLength ?? 16, 1);
  const steps = checkSteps(fn, 'steps', opts.steps ?? 400);
  const B = checkSize(fn, 'batch', opts.batch ?? 16, 1);
  checkAlloc(fn, 'a batch of word problems', B, L);
  const opt = new Adam({ lr: opts.lr ?? 0.02 });
  const params = model.parameters();
  const data: Rng = makeRng((opts.seed ?? 0) + 1000);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    checkAborted(fn, opts.signal);
    const batch = Array.from({ length: B }, () => s3WordProblem(L, data));
    model.zeroGrad();
    const loss = model.lossAndGrad(batch, model.grads);
    if (!Number.isFinite(loss)) throw new DomainError(`trainS3WordProblem: loss is ${loss} at step ${s}`);
    opt.step(params);
    losses.push(loss);
    if (s % 25 === 24 || s === steps - 1) {
      opts.onProgress?.({ fraction: (s + 1) / steps, step: s + 1, loss });
      await yieldToEventLoop();
    }
  }
  return { model, losses };
}
