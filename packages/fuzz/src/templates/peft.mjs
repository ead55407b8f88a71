import { TransformerLM } from '@x/nn';
import { readSafetensors, writeSafetensors } from '@x/safetensors';
import { bytes, data, keep, M, P, real, V } from '../dsl.mjs';

/** A tiny model file: two 6x4 projections (F32) and a norm vector, as a Hugging Face model stores them. */
export function modelBytes() {
  return writeSafetensors(
    {
      'model.q_proj.weight': { dtype: 'F32', shape: [6, 4], data: V(24, 1) },
      'model.k_proj.weight': { dtype: 'F32', shape: [6, 4], data: V(24, 2) },
      'model.norm.weight': { dtype: 'F32', shape: [4], data: V(4, 3) },
    },
    { format: 'pt' },
  );
}
/** A PEFT LoRA adapter (r 2, alpha 4) on model.q_proj, built from plain data. */
export function adapterOf(mod, seed = 1) {
  return {
    config: mod.peftLoraConfig({ r: 2, lora_alpha: 4, target_modules: ['q_proj'] }),
    layers: [{ module: 'model.q_proj', A: M(2, 4, seed), B: M(6, 2, seed + 1), scale: 2 }],
    extra: {},
  };
}
/**
 * A config as a fuzz argument: lora_alpha and lora_dropout are reals (4.5 and 0.5 are legal, so
 * they are not mutated as counts); target_modules and init_lora_weights are kept, because the
 * mutations of those fields are legal values (a string target is a regular expression, null and
 * unknown module names are valid, any string is a PEFT init name); their number mutations are
 * unit-tested in @x/peft instead.
 */
export function fuzzConfig(c) {
  return { ...c, lora_alpha: real(c.lora_alpha), lora_dropout: real(c.lora_dropout), target_modules: keep(c.target_modules), init_lora_weights: keep(c.init_lora_weights) };
}
/** An adapter as a fuzz argument (its config by {@link fuzzConfig}). */
export function fuzzAdapter(mod, seed = 1) {
  const a = adapterOf(mod, seed);
  return data({ ...a, config: fuzzConfig(a.config) });
}
/** Opens the first argument (model bytes) as a reader, then calls the export. */
const withReader = async (f, a) => f(await readSafetensors(a[0]), ...a.slice(1));
const lm = () => new TransformerLM({ vocabSize: 7, dim: 4, numLayers: 1, numHeads: 2, hidden: 6, seed: 1 });

// Templates for @x/peft. The adapted layer refuses non-finite inputs (nan: 'reject').
export default (mod) => {
  const W = () => M(6, 4);
  const lora = () => ({ kind: 'lora', A: M(2, 4, 2), B: M(6, 2, 3), scale: real(0.5) });
  const hhLayer = () => new mod.HouseholderProjectorLayer({ U: M(4, 4), V: M(4, 4, 2), k: 2, bias: V(4) });
  const adapted = () => new mod.AdaptedLinear({ base: M(6, 4), adapter: { kind: 'lora', A: M(2, 4, 2), B: M(6, 2, 3), scale: 0.5 } });
  const sorsaLayer = () => {
    const s = mod.sorsaInit(M(6, 4), 2);
    return new mod.AdaptedLinear({ base: s.Wres, adapter: { kind: 'sorsa', A: s.A, S: s.S, B: s.B, scale: s.scale } });
  };
  const tvs = () => [M(4, 3, 1), M(4, 3, 2), M(4, 3, 3)];
  const adapter = (seed) => fuzzAdapter(mod, seed);
  const cfgText = () => mod.stringifyPeftLoraConfig(adapterOf(mod).config);
  const applied = () => mod.applyAdapters(lm(), { targetModules: ['q_proj', 'v_proj'], kind: 'lora', rank: 2, seed: 1 });
  return {
    // One target name, so that replacing it by an unknown name matches nothing (a typed error).
    applyAdapters: { args: () => [lm(), { targetModules: ['q_proj'], kind: 'lora', rank: 2, alpha: real(4), rslora: false, seed: 1 }], check: (m) => m.parameters().map((p) => p.value) },
    'applyAdapters#seq': { method: 'call', make: () => ({ call: mod.applyAdapters }), args: () => [lm(), { targetModules: 'all-linear', kind: 'pissa', rank: 2, pissaNiter: 2, seed: 1 }], check: (m) => m.parameters().map((p) => p.value) },
    // A layer's scale is a real here: configForLayers writes alpha_pattern for any positive scale.
    configForLayers: () => [data(fuzzConfig(adapterOf(mod).config)), data(adapterOf(mod).layers.map((l) => ({ ...l, scale: real(l.scale) })))],
    convertPissaToLora: () => [adapter(1), adapter(3)],
    dpFedAvg: () => [M(4, 3), [M(4, 3, 2), M(4, 3, 3)], { clip: real(1), noiseMultiplier: real(0.5), expectedCount: real(2), seed: 1 }],
    dpMean: () => [data({ rows: 4, cols: 3 }), [M(4, 3, 2), M(4, 3, 3)], { clip: real(1), noiseMultiplier: real(0.5), seed: 1 }],
    dpNoiseMultiplier: () => [real(2), real(1e-5), real(0.01), 100, { orders: [2, 4, 8, 16, 32] }],
    isTargetModule: { args: () => [keep('model.q_proj'), keep(['q_proj']), true], total: true },
    loadPeftAdapter: { args: () => [data({ config: cfgText(), weights: bytes(mod.savePeftAdapter(adapterOf(mod)).weights) })], check: (a) => a.layers },
    materialize: { args: () => [keep(modelBytes()), adapter(1)], call: async (_f, a) => mod.materialize(mod.mergeIntoBase(await readSafetensors(a[0]), a[1])) },
    mergeIntoBase: { args: () => [bytes(modelBytes()), adapter(1)], call: withReader, check: (plan) => mod.materialize(plan) },
    mergePeftAdapters: () => [[adapter(1), adapter(3)], { method: 'ties', weights: [real(1), real(0.5)], density: real(0.5), majoritySignMethod: 'total', seed: 1 }],
    moduleScaling: () => [data(fuzzConfig(adapterOf(mod).config)), keep('model.q_proj')],
    parsePeftLoraConfig: () => [keep('fuzz'), cfgText()],
    patternKey: { args: () => [keep(['q_proj', 'k_proj']), keep('model.q_proj')], finite: false },
    PeftModel: { args: () => [keep(applied())], call: (_C, a) => a[0].parameters().map((p) => p.value), mutate: false },
    'PeftModel#forward': { make: applied, method: 'forward', args: () => [keep({ rows: 3, cols: 1, data: Float64Array.of(1, 2, 3) })] },
    'PeftModel#toPeftAdapter': { make: applied, method: 'toPeftAdapter', args: () => [], check: (a) => a.layers },
    peftLoraConfig: () => [data({ r: 2, lora_alpha: real(4) })],
    pissaFromModel: { args: () => [bytes(modelBytes()), { target: keep(['q_proj']), rank: 2, alpha: real(4), niter: 2, seed: 1 }], call: withReader, check: async (r) => mod.materialize(r.residual) },
    rdpEpsilon: () => [real(1.1), real(0.01), 100, real(1e-5), { orders: [2, 4, 8, 16, 32], conversion: 'balle' }],
    rdpSubsampledGaussian: () => [real(1.1), real(0.01), 8],
    readWeight: { args: () => [bytes(modelBytes()), keep('model.q_proj'), false], call: async (f, a) => f('fuzz', await readSafetensors(a[0]), ...a.slice(1)) },
    registerAdaptedLinear: () => [],
    savePeftAdapter: { args: () => [adapter(1)], check: (r) => r.weights.length },
    spectrum: () => [M(6, 4)],
    stringifyPeftLoraConfig: { args: () => [data(fuzzConfig(adapterOf(mod).config))], check: (t) => t.length },
    targetedModules: { args: () => [bytes(modelBytes()), keep(['q_proj'])], call: withReader },
    AdaptedLinear: () => [{ base: W(), bias: V(6), adapter: lora() }],
    addSorsaRegularizerGrad: () => [[sorsaLayer()], { gamma: real(4e-4), lr: real(1e-2), squared: true, eps: real(1e-12) }],
    'AdaptedLinear#forward': { make: adapted, method: 'forward', args: () => [M(3, 4)], nan: 'reject' },
    'AdaptedLinear#tensor': { make: adapted, method: 'tensor', args: () => ['A'] },
    'AdaptedLinear#proto': { make: adapted, method: 'tensor', args: () => ['__proto__'], expectBase: 'reject', mutate: false },
    crossInit: () => [(x) => x, M(4, 4)],
    crossInitRegularizer: () => [M(4, 3), M(4, 3, 2), { lambda: real(0.1), eps: real(1e-8) }],
    dareMerge: () => [tvs(), { density: real(0.5), seed: 1, weights: [real(1), real(0.5), real(0.5)], mode: 'linear', rescale: true }],
    elbowRank: () => [P(6).sort().reverse()],
    energyRank: () => [P(6).sort().reverse(), real(0.9)],
    evaAllocateRanks: () => [{ a: P(4), b: P(4, 2) }, { a: 2, b: 2 }],
    // A layer name is any string (an unknown one is legal): kept.
    EvaCollector: () => [[{ name: keep('a'), inFeatures: 4, rank: 2 }], { rho: real(1), tau: real(0.99) }],
    'EvaCollector#update': { make: () => new mod.EvaCollector([{ name: 'a', inFeatures: 4, rank: 2 }]), method: 'update', args: () => [keep('a'), M(6, 4)], nan: 'reject' },
    fedAvg: () => [tvs(), [real(1), real(2), real(1)]],
    fedsvdReorthogonalize: () => [M(6, 2), M(2, 4)],
    fedsvdRound: () => [M(2, 4), [M(6, 2, 1), M(6, 2, 2)], { weights: [real(1), real(1)], noiseStd: real(0), reorthogonalize: true, seed: 1 }],
    householderProduct: () => [M(4, 2)],
    householderProjector: () => [M(4, 2), M(4, 2, 2), 1],
    householderProductBackward: () => [M(4, 2), M(4, 4, 3)],
    householderProjectorBackward: () => [M(4, 4), M(4, 4, 2), 2, M(4, 4, 3)],
    HouseholderProjectorLayer: () => [{ U: M(4, 4), V: M(4, 4, 2), k: 2, scale: real(1.5), bias: V(4) }],
    'HouseholderProjectorLayer#forward': { make: hhLayer, method: 'forward', args: () => [M(3, 4)], nan: 'reject' },
    'HouseholderProjectorLayer#backward': { make: () => { const l = hhLayer(); l.forward(M(3, 4)); return l; }, method: 'backward', args: () => [M(3, 4, 5)], nan: 'reject' },
    'HouseholderProjectorLayer#fromWeight': { method: 'call', make: () => ({ call: mod.HouseholderProjectorLayer.fromWeight }), args: () => [M(4, 4), 2, { scale: real(1.5) }] },
    'HouseholderProjectorLayer#fromJSON': { method: 'call', make: () => ({ call: mod.HouseholderProjectorLayer.fromJSON }), args: () => { const j = hhLayer().toJSON(); return [data({ ...j, config: { ...j.config, scale: real(j.config.scale), name: keep(j.config.name) } })]; } },
    householderProjectorInit: () => [M(4, 4)],
    householderVectorsOf: () => [mod.householderProduct(M(4, 4))],
    lolduInit: () => [W(), 2, { alpha: real(1), zInit: 'ones' }],
    loraInit: () => [W(), 2, { alpha: real(4), rslora: true, seed: 1 }],
    // Batches are data (x 3x4, y 3x6); NaN entries must be refused.
    loraSbGradient: { args: () => [adapted(), [{ x: M(3, 4, 4), y: M(3, 6, 5) }]], nan: 'reject' },
    'svfitInit#energy': { method: 'call', make: () => ({ call: mod.svfitInit }), args: () => [W(), { energy: real(0.99) }] },
    // Model-level: token ids (2 x 3, ids < 7) through the small LM, MSE against logits-shaped targets.
    loraSbGradients: () => [lm(), ['q_proj'], [{ x: keep({ rows: 2, cols: 3, data: Float64Array.from([1, 4, 0, 6, 3, 2]) }), y: M(6, 7, 5) }]],
    loraSbInit: () => [W(), 2, { eta: real(0.1), niter: 2, exact: true, seed: 1 }],
    loraScale: () => [2, real(4), true],
    loraXsInit: () => [W(), 2, { std: real(0.01), seed: 1, alpha: real(1) }],
    magnitudePrune: () => [M(4, 3), real(0.5)],
    orthoRegLoss: () => [M(4, 3), { squared: true, eps: real(1e-8) }],
    pissaInit: () => [W(), 2, { alpha: real(2), niter: 2, seed: 1 }],
    pissaToLora: () => {
      const init = mod.pissaInit(M(6, 4), 2, { seed: 1 });
      // The initial adapter is a struct (a PeftLoraLayer or a pissaInit result passes too), not options.
      return [{ A: M(2, 4, 5), B: M(6, 2, 6) }, data({ A: init.A, B: init.B, scale: real(init.scale) })];
    },
    semanticDirections: () => [M(4, 4), 2],
    sokaInit: () => [M(6, 4), [2, 2], [3, 2], { k: 2, energy: real(0.9) }],
    sorsaInit: () => [W(), 2, { alpha: real(1) }],
    sorsaRegularizer: () => [M(2, 4), M(6, 2), { squared: true, eps: real(1e-8) }],
    svdMergeAdapters: () => [[{ A: M(2, 4, 1), B: M(6, 2, 2), scale: real(1) }, { A: M(2, 4, 3), B: M(6, 2, 4) }], { weights: [real(1), real(1)], rank: 2 }],
    svfitInit: () => [W(), 2],
    taskArithmetic: () => [tvs(), [real(1), real(0.5), real(0.5)]],
    tiesMerge: () => [tvs(), { density: real(0.5), weights: [real(1), real(1), real(1)] }],
  };
};
