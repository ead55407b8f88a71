import { assertMatrix, type Matrix, type RngState, rng as makeRng } from '@x/gpu';
import { checkFinite, checkOptions, checkSeed, checkUnit } from '@x/gpu/checks';
import { envelope, readEnvelope } from './envelope';
import { checkGrad, type Module, type ModuleJSON, noForward, type Parameter } from './module';

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /** Seed of the mask stream (default 0). */
  seed?: number;
  /** Name used in error messages; default `Dropout(p)`. */
  name?: string;
}

/**
 * Inverted dropout (Srivastava et al. 2014, with the 1/(1-p) rescaling at training time so
 * evaluation is the identity): in training mode each entry is zeroed with probability p and
 * the survivors are multiplied by 1/(1-p); in eval mode (`eval()`), y = x.
 *
 * The mask comes from a seeded @x/gpu generator that advances with every training forward, so
 * a run is reproducible; its state is part of `toJSON()`, so a resumed run draws the same
 * masks. backward multiplies dy by the last mask. O(batch * dim).
 */
export class Dropout implements Module {
  readonly p: number;
  readonly name: string;
  /** Training mode (default true). `eval()` / `train()` switch it. */
  training = true;
  private gen: ReturnType<typeof makeRng>;
  private mask: Float64Array | null = null;
  private shape: [number, number] = [0, 0];

  constructor(p: number, opts: DropoutOptions = {}) {
    opts = checkOptions('Dropout', opts, ['seed', 'name']);
    const name = opts.name ?? `Dropout(${p})`;
    checkUnit(name, 'p', p, 0, 1, '[)');
    this.p = p;
    this.name = name;
    this.gen = makeRng(checkSeed(name, 'seed', opts.seed ?? 0));
  }

  /** Switches to training mode (masks drawn); returns this. */
  train(): this {
    this.training = true;
    return this;
  }

  /** Switches to evaluation mode (identity); returns this. */
  eval(): this {
    this.training = false;
    return this;
  }

  /** Restarts the mask stream from `seed` (or a saved generator state). */
  reseed(seed: number | RngState): void {
    this.gen = makeRng(seed);
  }

  forward(x: Matrix): Matrix {
    assertMatrix(this.name, 'x', x);
    checkFinite(this.name, 'x', x);
    this.shape = [x.rows, x.cols];
    const n = x.data.length;
    const out = new Float64Array(n);
    if (!this.training || this.p === 0) {
      this.mask = null;
      out.set(x.data);
      return { rows: x.rows, cols: x.cols, data: out };
    }
    const keep = 1 / (1 - this.p);
    const mask = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const m = this.gen.uniform() >= this.p ? keep : 0;
      mask[i] = m;
      out[i] = x.data[i]! * m;
    }
    this.mask = mask;
    return { rows: x.rows, cols: x.cols, data: out };
  }

  backward(dy: Matrix): Matrix {
    if (this.shape[0] === 0 && this.shape[1] === 0) throw noForward(this.name);
    checkGrad(this.name, dy, this.shape[0], this.shape[1]);
    const m = this.mask;
    const out = Float64Array.from(dy.data);
    if (m) for (let i = 0; i < out.length; i++) out[i]! *= m[i]!;
    return { rows: dy.rows, cols: dy.cols, data: out };
  }

  parameters(): Parameter[] {
    return [];
  }

  zeroGrad(): void {}

  /** `{ type: 'Dropout', version: 1, config: { p, name, training, rng }, state: {} }` (rng: the mask stream's state). */
  toJSON(): ModuleJSON {
    return envelope('Dropout', { p: this.p, name: this.name, training: this.training, rng: this.gen.state() }, {});
  }

  /** Rebuilds the layer, mask stream included, from {@link Dropout.toJSON} output. */
  static fromJSON(json: ModuleJSON): Dropout {
    const { config } = readEnvelope('Dropout.fromJSON', 'Dropout', json);
    const d = new Dropout(config.p as number, { name: config.name as string | undefined });
    d.training = config.training !== false;
    d.reseed(config.rng as RngState);
    return d;
  }
}
