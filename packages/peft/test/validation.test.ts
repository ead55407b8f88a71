import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import {
  AdaptedLinear,
  applyAdapters,
  configForLayers,
  convertPissaToLora,
  dareMerge,
  dpMean,
  EvaCollector,
  evaAllocateRanks,
  fedsvdRound,
  lolduInit,
  loraInit,
  loraSbInit,
  loraScale,
  mergeIntoBase,
  mergePeftAdapters,
  moduleScaling,
  orthoRegLoss,
  type PeftAdapter,
  parsePeftLoraConfig,
  peftLoraConfig,
  pissaToLora,
  savePeftAdapter,
  sokaInit,
  spectrum,
  stringifyPeftLoraConfig,
  taskArithmetic,
} from '../src';
import { readSafetensors, writeSafetensors } from '@x/safetensors';
import { TransformerLM } from '@x/nn';

// Bad input at the public boundary: each case is one root cause the fuzz suite found, checked
// for the typed error and a message that names the function the user called.

/** A deterministic rows x cols matrix (entries in (-1, 1), no zeros). */
function mat(rows: number, cols: number, seed = 1): Matrix<Float64Array> {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 7.3 + i * 1.7) * 0.9 + 0.05;
  return { rows, cols, data };
}

/** A LoRA adapter (r 2, alpha 4: scale 2) on model.q_proj (6 x 4). */
function adapter(seed = 1, config: Partial<ReturnType<typeof peftLoraConfig>> = {}): PeftAdapter {
  return {
    config: peftLoraConfig({ r: 2, lora_alpha: 4, target_modules: ['q_proj'], ...config }),
    layers: [{ module: 'model.q_proj', A: mat(2, 4, seed), B: mat(6, 2, seed + 1), scale: 2 }],
    extra: {},
  };
}

const typed = (f: () => unknown, type: typeof DomainError | typeof ShapeError, message: RegExp) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(message);
};

describe('PEFT LoRA configs are checked field by field', () => {
  const cfg = adapter().config;

  it('refuses a fractional rank, a NaN alpha, a bad dropout, bias, flag or target list', () => {
    typed(() => peftLoraConfig({ r: 1.5 }), DomainError, /^peftLoraConfig: fields\.r must be an integer >= 1, got 1\.5/);
    typed(() => peftLoraConfig('r=2' as never), DomainError, /^peftLoraConfig: fields must be an object, got "r=2"/);
    typed(() => moduleScaling({ ...cfg, lora_alpha: Number.NaN }, 'model.q_proj'), DomainError, /^moduleScaling: config\.lora_alpha must be a finite number > 0, got NaN/);
    typed(() => stringifyPeftLoraConfig({ ...cfg, lora_dropout: 1.5 }), DomainError, /^stringifyPeftLoraConfig: config\.lora_dropout must be in \[0, 1\], got 1\.5/);
    typed(() => stringifyPeftLoraConfig({ ...cfg, bias: 'some' as never }), DomainError, /bias must be one of "none", "all", "lora_only", got "some"/);
    typed(() => stringifyPeftLoraConfig({ ...cfg, use_rslora: 'yes' as never }), DomainError, /config\.use_rslora must be true or false, got "yes"/);
    typed(() => stringifyPeftLoraConfig({ ...cfg, target_modules: [7] as never }), DomainError, /target_modules must be a list of names, a regular expression or null/);
    typed(() => stringifyPeftLoraConfig({ ...cfg, init_lora_weights: 1 as never }), DomainError, /init_lora_weights must be a boolean or a string, got 1/);
    typed(() => stringifyPeftLoraConfig({ ...cfg, rank_pattern: null as never }), DomainError, /rank_pattern must be an object, got null/);
    typed(() => stringifyPeftLoraConfig({ ...cfg, rank_pattern: { q_proj: 2.5 } }), DomainError, /rank_pattern\["q_proj"\] must be an integer >= 1/);
    typed(() => stringifyPeftLoraConfig({ ...cfg, peft_type: 'IA3' as never }), DomainError, /peft_type is "IA3"/);
    typed(() => parsePeftLoraConfig('load', JSON.stringify({ peft_type: 'LORA', r: '2' })), DomainError, /^load: adapter_config\.json\.r must be an integer >= 1, got "2"/);
  });

  it('keeps accepting what PEFT writes: any init name, a regex or null target, unknown fields', () => {
    expect(() => stringifyPeftLoraConfig({ ...cfg, init_lora_weights: 'pissa_niter_4', target_modules: '.*proj', layers_to_transform: [0] })).not.toThrow();
    expect(() => stringifyPeftLoraConfig({ ...cfg, target_modules: null, lora_dropout: 0.05, lora_alpha: 4.5 })).not.toThrow();
    expect(moduleScaling(cfg, 'model.q_proj')).toEqual({ r: 2, alpha: 4, scale: 2 });
  });
});

describe('in-memory adapters are checked where they enter', () => {
  it('refuses a config given as a string, malformed layers and a missing extra', () => {
    typed(() => savePeftAdapter({ ...adapter(), config: 'lora' as never }), DomainError, /^savePeftAdapter: adapter\.config must be an object, got "lora"/);
    const short = { ...adapter().layers[0]!, A: { rows: 2, cols: 4, data: new Float64Array(7) } };
    typed(() => savePeftAdapter({ ...adapter(), layers: [short] }), ShapeError, /^savePeftAdapter: /);
    const nan = { ...adapter().layers[0]!, scale: Number.NaN };
    typed(() => mergePeftAdapters([{ ...adapter(), layers: [nan] }], { method: 'linear', weights: [1] }), DomainError, /^mergePeftAdapters: adapters\[0\]\.layers\[0\]\.scale must be a finite number/);
    typed(() => convertPissaToLora({ ...adapter(), extra: null as never }, adapter(3)), DomainError, /^convertPissaToLora: initial\.extra must be an object, got null/);
    typed(() => convertPissaToLora(adapter(), null as never), DomainError, /^convertPissaToLora: trained must be an object, got null/);
  });

  it("refuses a layer whose rank or scale is not the one its config gives (as PEFT's loader recomputes it)", async () => {
    const base = await readSafetensors(writeSafetensors({ 'model.q_proj.weight': { dtype: 'F32', shape: [6, 4], data: mat(6, 4).data } }));
    const off = { ...adapter().layers[0]!, scale: 2.5 };
    typed(() => mergeIntoBase(base, { ...adapter(), layers: [off] }), DomainError, /^mergeIntoBase: module model\.q_proj has scale 2\.5 but the config gives 2/);
    typed(() => mergeIntoBase(base, adapter(1, { r: 3 })), DomainError, /^mergeIntoBase: module model\.q_proj has rank 2 but the config gives r = 3/);
    expect(() => mergeIntoBase(base, adapter())).not.toThrow();
  });

  it('refuses to save or merge a layer its config does not target (PEFT would drop its weights)', () => {
    const stray = { ...adapter().layers[0]!, module: 'model.k_proj' };
    typed(() => savePeftAdapter({ ...adapter(), layers: [stray] }), DomainError, /^savePeftAdapter: module model\.k_proj is not targeted by target_modules \["q_proj"\]/);
    typed(() => configForLayers(adapter().config, [stray]), DomainError, /^configForLayers: module model\.k_proj is not targeted/);
    typed(() => configForLayers(adapter().config, [{ ...adapter().layers[0]!, scale: -1 }]), DomainError, /^configForLayers: layers\[0\]\.scale must be a finite number > 0, got -1/);
    // Any positive scale is representable: configForLayers writes it into alpha_pattern.
    expect(configForLayers(adapter().config, [{ ...adapter().layers[0]!, scale: 2.5 }]).alpha_pattern).toEqual({ 'model.q_proj': 5 });
  });

  it('a merge of a regex-targeted and a list-targeted adapter targets every merged module', () => {
    const a = adapter(1, { target_modules: '.*q_proj' });
    const b = { ...adapter(3), layers: [{ ...adapter(3).layers[0]!, module: 'model.k_proj' }], config: peftLoraConfig({ r: 2, lora_alpha: 4, target_modules: ['k_proj'] }) };
    const merged = mergePeftAdapters([a, b], { method: 'cat', weights: [1, 1] });
    expect(merged.config.target_modules).toEqual(['model.k_proj', 'model.q_proj']);
    expect(() => savePeftAdapter(merged)).not.toThrow();
  });

  it('merge options: unknown keys listed, method and sign rule from their sets, integer seed', () => {
    typed(() => mergePeftAdapters([adapter(), adapter(3)], { method: 'ties', weights: [1, 1], density: 0.5, niters: 2 } as never), DomainError, /^mergePeftAdapters: unknown option "niters"; valid options are method, weights, density, majoritySignMethod, svdRank, seed/);
    typed(() => mergePeftAdapters([adapter(), adapter(3)], { method: 'mean' as never, weights: [1, 1] }), DomainError, /^mergePeftAdapters: method must be one of "linear", "svd"/);
    typed(() => mergePeftAdapters([adapter(), adapter(3)], { method: 'dare_ties', weights: [1, 1], density: 0.5, seed: 1.5 }), DomainError, /^mergePeftAdapters: seed must be a non-negative safe integer, got 1\.5/);
  });
});

describe('options and arguments of the initializers and merges', () => {
  const W = mat(6, 4);

  it('unknown option keys are refused with the valid ones listed', () => {
    typed(() => loraInit(W, 2, { niters: 2 } as never), DomainError, /^loraInit: unknown option "niters"; valid options are alpha, rslora, seed/);
    typed(() => orthoRegLoss(W, { squared: true, epsilon: 1 } as never), DomainError, /^orthoRegLoss: unknown option "epsilon"; valid options are squared, eps/);
    typed(() => fedsvdRound(mat(2, 4), [mat(6, 2)], { reorthogonalise: false } as never), DomainError, /^fedsvdRound: unknown option "reorthogonalise"/);
  });

  it('option values of the wrong kind: flags, seeds, iteration counts, enumerations, reals', () => {
    typed(() => loraInit(W, 2, { rslora: 'yes' as never }), DomainError, /^loraInit: rslora must be true or false, got "yes"/);
    typed(() => loraSbInit(W, 2, { eta: 0.1, seed: 1.5 }), DomainError, /^loraSbInit: seed must be a non-negative safe integer, got 1\.5/);
    typed(() => loraSbInit(W, 2, { eta: 0.1, niter: Number.POSITIVE_INFINITY }), DomainError, /^loraSbInit: niter must be an integer in \[0, /);
    typed(() => lolduInit(W, 2, { zInit: 'random' as never }), DomainError, /^lolduInit: zInit must be one of "lu", "ones", "zeros", "mean", got "random"/);
    typed(() => orthoRegLoss(W, { eps: Number.NaN }), DomainError, /^orthoRegLoss: eps must be a finite number >= 0, got NaN/);
    typed(() => dareMerge([W, W], { density: 0.5, seed: 1, mode: 'sum' as never }), DomainError, /^dareMerge: mode must be one of "linear", "ties", got "sum"/);
    typed(() => sokaInit(W, [2, 2], [3, 2], { k: 2, energy: Number.NaN }), DomainError, /^sokaInit: energy must be a finite number, got NaN/);
    typed(() => loraScale(2.5, 4), DomainError, /^loraScale: r must be an integer >= 1, got 2\.5/);
    typed(() => loraScale(2, Number.POSITIVE_INFINITY), DomainError, /^loraScale: alpha must be a finite number > 0/);
  });

  it('null and strings where objects, arrays and matrices belong: typed errors, not TypeErrors', () => {
    typed(() => loraInit(W, 2, null as never), DomainError, /^loraInit: options must be an object, got null/);
    typed(() => taskArithmetic([null as never, W]), ShapeError, /^taskArithmetic: /);
    typed(() => taskArithmetic('tasks' as never), DomainError, /^taskArithmetic: taskVectors must be an array, got "tasks"/);
    typed(() => pissaToLora(null as never, { A: mat(2, 4), B: mat(6, 2), scale: 1 }), DomainError, /^pissaToLora: trained must be an object, got null/);
    typed(() => dpMean({ rows: -1, cols: 3 }, [], { clip: 1, noiseMultiplier: 0 }), DomainError, /^dpMean: shape\.rows must be an integer in \[0, /);
    typed(() => dpMean({ rows: 2 ** 31, cols: 2 ** 31 }, [], { clip: 1, noiseMultiplier: 0 }), DomainError, /^dpMean: /);
    typed(() => new EvaCollector(null as never), DomainError, /^EvaCollector: layers must be an array, got null/);
    typed(() => new EvaCollector([{ name: 'a', inFeatures: 1.5, rank: 1 }]), DomainError, /^EvaCollector: layers\[0\]\.inFeatures must be an integer/);
    typed(() => evaAllocateRanks({ a: 'evr' as never }, { a: 1 }), ShapeError, /^evaAllocateRanks: evr\["a"\] must be a Float64Array/);
    typed(() => evaAllocateRanks({ a: [0.5] }, { a: 2 ** 53 + 2 }), DomainError, /^evaAllocateRanks: ranks\["a"\] must be an integer/);
  });

  it('applyAdapters checks its options before touching the model', () => {
    const lm = () => new TransformerLM({ vocabSize: 7, dim: 4, numLayers: 1, numHeads: 2, hidden: 6, seed: 1 });
    typed(() => applyAdapters(lm(), { targetModules: ['q_proj'], kind: 'lora', rank: 2, rsLora: true } as never), DomainError, /^applyAdapters: unknown option "rsLora"/);
    typed(() => applyAdapters(lm(), { targetModules: [7] as never, kind: 'lora', rank: 2 }), DomainError, /^applyAdapters: targetModules must be/);
    typed(() => applyAdapters(lm(), { targetModules: ['q_proj'], kind: 'lora', rank: 2, rslora: 1 as never }), DomainError, /^applyAdapters: rslora must be true or false, got 1/);
  });
});

describe('spectrum', () => {
  it('refuses a malformed or non-finite W under its own name (not svd of @x/linalg)', () => {
    const bad: Array<[unknown, typeof ShapeError | typeof DomainError]> = [
      [null, ShapeError],
      ['W', ShapeError],
      [{ rows: 2, cols: 2, data: new Float64Array(3) }, ShapeError],
      [{ rows: 2, cols: 2, data: [1, 2, 3, 4] }, ShapeError],
      [{ rows: 2, cols: 2, data: Float64Array.of(1, Number.NaN, 0, 1) }, DomainError],
      [{ rows: 2, cols: 2, data: Float64Array.of(1, Number.POSITIVE_INFINITY, 0, 1) }, DomainError],
    ];
    for (const [W, type] of bad) {
      expect(() => spectrum(W as Matrix)).toThrow(type);
      expect(() => spectrum(W as Matrix)).toThrow(/^spectrum: W/);
    }
    // A 2x2 rotation times diag(3, 1): singular values 3, 1; effective rank exp(H(3/4, 1/4)).
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const { S, effectiveRank } = spectrum({ rows: 2, cols: 2, data: Float64Array.of(3 * c, -s, 3 * s, c) });
    expect(S[0]).toBeCloseTo(3, 14);
    expect(S[1]).toBeCloseTo(1, 14);
    expect(effectiveRank).toBeCloseTo(Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))), 14);
  });
});

describe('AdaptedLinear', () => {
  const layer = () => new AdaptedLinear({ base: mat(6, 4), adapter: { kind: 'lora', A: mat(2, 4, 2), B: mat(6, 2, 3), scale: 0.5 } });

  it('forward refuses non-finite inputs, naming the entry', () => {
    const x = mat(3, 4);
    x.data[5] = Number.NaN;
    typed(() => layer().forward(x), DomainError, /^AdaptedLinear: x\[1, 1\] is NaN/);
  });

  it('tensor() finds only its own tensors (never a prototype key)', () => {
    typed(() => layer().tensor('__proto__'), DomainError, /no tensor named __proto__/);
    expect(layer().tensor('A').rows).toBe(2);
  });

  it('the constructor refuses unknown keys, a string bias and a null adapter factor', () => {
    typed(() => new AdaptedLinear({ base: mat(6, 4), adapter: { kind: 'lora', A: mat(2, 4), B: mat(6, 2), scale: 1 }, biases: [] } as never), DomainError, /^AdaptedLinear: unknown option "biases"/);
    typed(() => new AdaptedLinear({ base: mat(6, 4), bias: 'zero' as never, adapter: { kind: 'lora', A: mat(2, 4), B: mat(6, 2), scale: 1 } }), ShapeError, /^AdaptedLinear: bias must be/);
    typed(() => new AdaptedLinear({ base: mat(6, 4), adapter: { kind: 'lora', A: null as never, B: mat(6, 2), scale: 1 } }), ShapeError, /^AdaptedLinear: /);
  });
});

describe('@x/peft/node file functions', () => {
  it('refuse non-string paths and malformed output files with a typed error, before touching the disk', async () => {
    const node = await import('../src/node');
    await expect(node.loadPeftAdapterDir(7 as never)).rejects.toThrow(/^loadPeftAdapterDir: dir must be a non-empty path, got 7/);
    await expect(node.savePeftAdapterDir(7 as never, adapter())).rejects.toThrow(/^savePeftAdapterDir: dir must be a non-empty path, got 7/);
    await expect(node.writeModelPlan(7 as never, { tensors: {}, metadata: {} })).rejects.toThrow(DomainError);
    await expect(node.writeOutputs(7 as never, [])).rejects.toThrow(/^writeOutputs: dir must be a non-empty path/);
    await expect(node.writeOutputs('out', null as never)).rejects.toThrow(/^writeOutputs: files must be an array, got null/);
    await expect(node.writeOutputs('out', [{ name: 7 as never, write: async () => {} }])).rejects.toThrow(/^writeOutputs: files\[0\]\.name must be a file name/);
    await expect(node.writeOutputs('out', [{ name: 'a.bin', write: null as never }])).rejects.toThrow(/^writeOutputs: files\[0\]\.write must be a function, got null/);
    typed(() => node.modelFile(7 as never, { tensors: {}, metadata: {} }), DomainError, /^modelFile: name must be a non-empty path, got 7/);
    typed(() => node.modelFile('m.safetensors', { tensors: 'all' as never, metadata: {} }), DomainError, /^modelFile: plan\.tensors must be an object, got "all"/);
  });
});
