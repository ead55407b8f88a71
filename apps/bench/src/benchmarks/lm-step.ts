import { createRequire } from 'node:module';
import { disableWasm, enableWasm, type Matrix } from '@x/gpu';
import { lmCrossEntropy, stateDict, TransformerLM } from '@x/nn';
import { AdamW } from '@x/optim';
import { loadTfjsWasm } from '../tfjs';
import { BUDGETS, timeInterleaved } from '../timing';
import type { Benchmark, BenchContext, BenchmarkReport, BenchRow } from '../types';

const BASELINE = '@x/nn TransformerLM + @x/optim AdamW (wasm GEMM, 1 thread)';
const TFJS = 'tfjs-backend-wasm variableGrads + train.adam';

/** The @x/lm default model (dim 64, 4 layers, 4 heads / 2 KV, SwiGLU 176, 97 characters); `n` is the sequence length. */
function lmConfig(mode: BenchContext['mode']) {
  return mode === 'tiny'
    ? { vocabSize: 13, dim: 8, numLayers: 1, numHeads: 2, numKvHeads: 1, hidden: 16, seed: 3 }
    : { vocabSize: 97, dim: 64, numLayers: 4, numHeads: 4, numKvHeads: 2, hidden: 176, seed: 3 };
}
type LmCfg = ReturnType<typeof lmConfig>;

/** Minimal tfjs-core surface used here (the package's own types are loaded lazily). */
// biome-ignore lint/suspicious/noExplicitAny: tfjs is imported dynamically; its ops are called untyped.
type Tf = any;

/**
 * The same llama-style model written in tfjs ops, with the @x model's weights (Linear weights
 * [out, in], transposed for tfjs' x W): embedding as a one-hot matmul (its gradient is a matmul;
 * the wasm backend has no scatter kernel for gather's), RMSNorm, half-rotation RoPE, causal
 * grouped-query attention, SwiGLU, untied head, mean softmax cross-entropy.
 */
function tfjsStep(tf: Tf, cfg: LmCfg, weights: Map<string, Float64Array>, ids: Matrix, targets: Matrix, lr: number) {
  const { dim, numHeads: H, numKvHeads: Hkv, hidden, vocabSize: V, numLayers } = cfg;
  const d = dim / H;
  const B = ids.rows;
  const T = ids.cols;
  const vars = new Map<string, Tf>();
  const v = (name: string, shape: number[], transpose: boolean) => {
    const w = weights.get(name);
    if (!w) throw new Error(`lm-step: no weight ${name}`);
    let t = tf.tensor(Float32Array.from(w), shape);
    if (transpose) t = tf.transpose(t);
    vars.set(name, tf.variable(t, true, name));
  };
  v('model.embed_tokens.weight', [V, dim], false);
  for (let l = 0; l < numLayers; l++) {
    const p = `model.layers.${l}`;
    v(`${p}.input_layernorm.weight`, [dim], false);
    v(`${p}.post_attention_layernorm.weight`, [dim], false);
    v(`${p}.self_attn.q_proj.weight`, [H * d, dim], true);
    v(`${p}.self_attn.k_proj.weight`, [Hkv * d, dim], true);
    v(`${p}.self_attn.v_proj.weight`, [Hkv * d, dim], true);
    v(`${p}.self_attn.o_proj.weight`, [dim, H * d], true);
    v(`${p}.mlp.gate_proj.weight`, [hidden, dim], true);
    v(`${p}.mlp.up_proj.weight`, [hidden, dim], true);
    v(`${p}.mlp.down_proj.weight`, [dim, hidden], true);
  }
  v('model.norm.weight', [dim], false);
  v('lm_head.weight', [V, dim], true);
  const W = (n: string) => vars.get(n)!;
  const half = d / 2;
  const inv = Float32Array.from({ length: half }, (_, i) => 10000 ** ((-2 * i) / d));
  const cosA = new Float32Array(T * half);
  const sinA = new Float32Array(T * half);
  for (let t = 0; t < T; t++) for (let i = 0; i < half; i++) {
    cosA[t * half + i] = Math.cos(t * inv[i]!);
    sinA[t * half + i] = Math.sin(t * inv[i]!);
  }
  const cos = tf.keep(tf.tensor(cosA, [1, 1, T, half]));
  const sin = tf.keep(tf.tensor(sinA, [1, 1, T, half]));
  // Grouped-query attention without copying K/V: the `group` query heads that share a KV head
  // are stacked along the time axis ([B, Hkv, group * T, d]), so the causal mask repeats per group.
  const group = H / Hkv;
  const maskA = new Float32Array(group * T * T);
  for (let r = 0; r < group * T; r++) for (let j = (r % T) + 1; j < T; j++) maskA[r * T + j] = -1e9;
  const mask = tf.keep(tf.tensor(maskA, [1, 1, group * T, T]));
  const oneHot = tf.keep(tf.oneHot(tf.tensor(Int32Array.from(ids.data), [B * T], 'int32'), V));
  const yHot = tf.keep(tf.oneHot(tf.tensor(Int32Array.from(targets.data), [B * T], 'int32'), V));
  const rms = (x: Tf, w: Tf) => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6))), w);
  // [B*T, h*d] -> [B, h, T, d], rotated.
  const heads = (x: Tf, h: number, rope: boolean) => {
    const y = tf.transpose(tf.reshape(x, [B, T, h, d]), [0, 2, 1, 3]);
    if (!rope) return y;
    const x1 = tf.slice(y, [0, 0, 0, 0], [B, h, T, half]);
    const x2 = tf.slice(y, [0, 0, 0, half], [B, h, T, half]);
    return tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], 3);
  };
  const loss = () => {
    let h = tf.matMul(oneHot, W('model.embed_tokens.weight'));
    for (let l = 0; l < numLayers; l++) {
      const p = `model.layers.${l}`;
      const a = rms(h, W(`${p}.input_layernorm.weight`));
      const q = tf.reshape(heads(tf.matMul(a, W(`${p}.self_attn.q_proj.weight`)), H, true), [B, Hkv, group * T, d]);
      const k = heads(tf.matMul(a, W(`${p}.self_attn.k_proj.weight`)), Hkv, true);
      const vv = heads(tf.matMul(a, W(`${p}.self_attn.v_proj.weight`)), Hkv, false);
      const s = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)), mask);
      const o4 = tf.reshape(tf.matMul(tf.softmax(s), vv), [B, H, T, d]);
      const o = tf.reshape(tf.transpose(o4, [0, 2, 1, 3]), [B * T, H * d]);
      h = tf.add(h, tf.matMul(o, W(`${p}.self_attn.o_proj.weight`)));
      const m = rms(h, W(`${p}.post_attention_layernorm.weight`));
      const g = tf.matMul(m, W(`${p}.mlp.gate_proj.weight`));
      const u = tf.matMul(m, W(`${p}.mlp.up_proj.weight`));
      h = tf.add(h, tf.matMul(tf.mul(tf.mul(g, tf.sigmoid(g)), u), W(`${p}.mlp.down_proj.weight`)));
    }
    const logits = tf.matMul(rms(h, W('model.norm.weight')), W('lm_head.weight'));
    return tf.neg(tf.mean(tf.sum(tf.mul(yHot, tf.logSoftmax(logits)), -1)));
  };
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const varList = [...vars.values()];
  return {
    /** One step; returns the loss before the update. */
    step(): number {
      const { value, grads } = tf.variableGrads(loss, varList);
      opt.applyGradients(grads);
      const out = value.dataSync()[0] as number;
      value.dispose();
      for (const g of Object.values(grads)) (g as Tf).dispose();
      return out;
    },
    dispose() {
      for (const t of [cos, sin, mask, oneHot, yHot, ...varList]) t.dispose();
      opt.dispose();
    },
  };
}

/**
 * tfjs-core's node bundle has no gradient functions; tfjs proper registers them from the
 * package's ESM files, whose extensionless imports plain Node ESM cannot resolve. Loaded through
 * `require` (tsx, which runs the CLI, compiles them to CommonJS); they register into tfjs'
 * global registry. Under a loader that cannot (vitest), the tfjs row is unavailable, with the reason.
 */
function withGradients(tf: Tf | string): Tf | string {
  if (typeof tf === 'string') return tf;
  try {
    createRequire(import.meta.url)('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    return tf;
  } catch (e) {
    return `tfjs-core's gradient functions could not be loaded here: ${(e as Error).message.split('\n')[0]}`;
  }
}

async function run(ctx: BenchContext): Promise<BenchmarkReport> {
  const sizes = ctx.sizes ?? lmStep.sizes[ctx.mode];
  const budget = BUDGETS[ctx.mode];
  const cfg = lmConfig(ctx.mode);
  const batch = ctx.mode === 'tiny' ? 2 : 8;
  const lr = 1e-3;
  const tf = await withGradients(await loadTfjsWasm());
  const env = {
    model: `llama-style, dim ${cfg.dim}, ${cfg.numLayers} layers, ${cfg.numHeads} heads (${cfg.numKvHeads} kv), SwiGLU ${cfg.hidden}, vocabulary ${cfg.vocabSize}; batch ${batch}; n = sequence length`,
    step: 'zero grads, forward, mean cross-entropy, backward, Adam(W) update with weight decay 0 (tfjs has no AdamW; the two coincide); same initial weights',
    timing: 'the two rows interleaved round-robin (one step each per round) in one process',
    tfjs: typeof tf === 'string' ? `unavailable: ${tf}` : `tfjs-core 4.22 on ${tf.getBackend()} (one thread in Node)`,
  };
  const rows: BenchRow[] = [];
  await enableWasm({ threads: 1 });
  for (const T of sizes) {
    const model = new TransformerLM({ ...cfg });
    const ids = new Float64Array(batch * T);
    const tg = new Float64Array(batch * T);
    for (let i = 0; i < ids.length; i++) {
      ids[i] = (i * 7 + 3) % cfg.vocabSize;
      tg[i] = (i * 7 + 10) % cfg.vocabSize;
    }
    const x = { rows: batch, cols: T, data: ids };
    const y = { rows: batch, cols: T, data: tg };
    const weights = new Map([...stateDict(model)].map(([k, t]) => [k, t.data as Float64Array]));
    // The tfjs copy is made before the first @x step changes the weights.
    const tfm = typeof tf === 'string' ? null : tfjsStep(tf, cfg, weights, x, y, lr);
    const opt = new AdamW({ lr, weightDecay: 0 });
    const params = model.parameters();
    const xStep = () => {
      model.zeroGrad();
      const l = lmCrossEntropy(model.forward(x), y);
      model.backward(l.grad);
      opt.step(params);
      return l.value;
    };
    // Both start from the same weights: their first losses agree to float32 precision.
    const first = [xStep(), tfm ? tfm.step() : Number.NaN];
    const flops = 6 * model.numParameters * batch * T;
    ctx.log(`lm-step T=${T}: ${tfm ? 2 : 1} rows interleaved`);
    const t = await timeInterleaved(tfm ? [{ fn: xStep }, { fn: () => tfm.step() }] : [{ fn: xStep }], budget);
    const relErr = Math.abs(first[1]! - first[0]!) / first[0]!;
    rows.push({ benchmark: 'lm-step', impl: BASELINE, n: T, status: 'ok', ms: t[0]!.ms, minMs: t[0]!.minMs, reps: t[0]!.reps, gflops: flops / (t[0]!.ms * 1e6), vsBaseline: 1, relErr: 0, note: tfm ? `${(t[1]!.ms / t[0]!.ms).toFixed(2)}x tfjs` : undefined });
    if (tfm) {
      const ok = relErr < 1e-5;
      rows.push({
        benchmark: 'lm-step',
        impl: TFJS,
        n: T,
        status: ok ? 'ok' : 'error',
        ms: t[1]!.ms,
        minMs: t[1]!.minMs,
        reps: t[1]!.reps,
        gflops: flops / (t[1]!.ms * 1e6),
        vsBaseline: t[0]!.ms / t[1]!.ms,
        relErr,
        note: ok ? 'float32; relErr: first-step loss against @x' : `first-step loss differs: relative ${relErr.toExponential(2)}`,
      });
      tfm.dispose();
    } else {
      rows.push({ benchmark: 'lm-step', impl: TFJS, n: T, status: 'unavailable', note: tf as string });
    }
  }
  disableWasm();
  return { id: lmStep.id, title: lmStep.title, baseline: BASELINE, sizes, env, rows };
}

/** One training step of the @x/lm default TransformerLM against the same model in TensorFlow.js, same process. */
export const lmStep: Benchmark = {
  id: 'lm-step',
  title: 'One training step (forward + backward + AdamW) of the @x/lm TransformerLM vs TensorFlow.js; n = sequence length, batch 8; gflops from 6 · parameters · tokens',
  sizes: { full: [32, 64], quick: [32], tiny: [4] },
  run,
};
