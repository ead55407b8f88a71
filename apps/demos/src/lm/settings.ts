// The language-model page's two settings, shared by the page (labels, step counts) and its worker.
import { DEFAULT, type LmConfig, type LmRunOptions, type Method, type OptimizerName, QUICK } from '@x/lm';
import type { LmPreset } from './protocol';

/** Fine-tuning methods (AdamW) and the optimizers compared on full fine-tuning, in the command's order. */
export const METHODS: readonly Method[] = ['full', 'lora', 'pissa', 'lora-xs', 'lora-sb', 'loldu'];
export const OPTIMIZERS: readonly OptimizerName[] = ['adamw', 'muon', 'dct-adamw'];

/** One line per setting, shown on the page. */
export const PRESET_TEXT: Record<LmPreset, string> = {
  quick:
    'quick (default here): @x/lm’s quick setting, the one its test uses — 24,800 parameters (dim 32, 2 layers), 200 pre-training steps of each MLP variant, 40 fine-tuning steps for each of the 8 fine-tuning runs (680 steps in all)',
  full: 'full: the headless command’s default — 197,312 parameters (dim 64, 4 layers), 200 pre-training steps of each MLP variant, 40 fine-tuning steps for each of the 8 runs: 8x the quick setting’s parameters at the same batch and context, so several minutes',
};

/** Steps between live loss points (and resume points). */
export const progressEvery = (preset: LmPreset): number => (preset === 'full' ? 5 : 2);

/** The runLm options of a setting: every method, full fine-tuning with AdamW, Muon and DCT-AdamW, and KAT vs MLP. */
export function runOptions(preset: LmPreset): LmRunOptions {
  return { mode: preset === 'full' ? 'default' : 'quick', methods: METHODS, optimizers: OPTIMIZERS, kat: true, progressEvery: progressEvery(preset) };
}

/** The setting's sizes and schedule. */
export function presetConfig(preset: LmPreset): LmConfig {
  return preset === 'full' ? DEFAULT : QUICK;
}

/** Labels of the fine-tuning runs, as runLm names them. */
export const RUN_LABELS: readonly string[] = [...METHODS, ...OPTIMIZERS.filter((o) => o !== 'adamw').map((o) => `full/${o}`)];
