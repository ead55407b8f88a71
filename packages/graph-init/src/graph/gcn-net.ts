import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { type ModuleStateJSON, moduleJSON, readModuleJSON } from '@x/nn';
import { checkOptions, checkSeed, checkVector, describe } from '@x/gpu/checks';
import { checkSizes } from '../internal/checks';
import { type Csr, checkCsr } from './csr';
import { GcnLayer, type GcnLayerJSON, type GraphParameter } from './gcn-layer';

/** Options of {@link GcnNet}. */
export interface GcnNetOptions {
  /** Per-layer weight variances (length = widths.length - 1); weights U(±√(3 var)). */
  variances: ArrayLike<number>;
  seed?: number;
}

/** What {@link GcnNet.toJSON} returns: the `@x` state envelope, the layers' envelopes nested in `state`. */
export type GcnNetJSON = ModuleStateJSON<'GcnNet', Record<string, never>, { layers: GcnLayerJSON[] }>;

/**
 * A deep ReLU GCN `H_{l+1} = ReLU(Â H_l W_l)` with a linear last layer producing logits
 * (the model of Virgo, spec §5a). `widths = [m_in, m_hid, ..., C]`. After `forward`,
 * `preActivations[l] = Â H_l W_lᵀ` are kept for variance measurements.
 */
export class GcnNet {
  readonly layers: GcnLayer[];
  preActivations: Matrix<Float64Array>[] = [];
  /** After `backward`: dL/dZ_l for each layer's pre-activation Z_l. */
  preActivationGrads: Matrix<Float64Array>[] = [];

  constructor(adj: Csr, widths: readonly number[], opts: GcnNetOptions, layers?: GcnLayer[]) {
    if (layers) {
      this.layers = layers;
      return;
    }
    const fn = 'GcnNet';
    checkCsr(fn, 'adj', adj);
    checkSizes(fn, 'widths', widths, 1, 2);
    const L = widths.length - 1;
    if (opts === null || typeof opts !== 'object') throw new DomainError(`${fn}: options { variances } are required, got ${describe(opts)}`);
    checkOptions(fn, opts, ['variances', 'seed']);
    if (opts.variances?.length !== L) throw new DomainError(`${fn}: variances must have one entry per layer (${L}), got ${describe(opts.variances)}`);
    checkVector(fn, 'variances', opts.variances, L);
    const seed = checkSeed(fn, 'seed', opts.seed ?? 0);
    this.layers = [];
    for (let l = 0; l < L; l++) {
      this.layers.push(new GcnLayer(adj, widths[l]!, widths[l + 1]!, { variance: opts.variances[l]!, seed: seed * 1000 + l }));
    }
  }

  forward(x: Matrix): Matrix<Float64Array> {
    this.preActivations = [];
    let h: Matrix = x;
    const L = this.layers.length;
    for (let l = 0; l < L; l++) {
      const z = this.layers[l]!.forward(h);
      this.preActivations.push(z);
      if (l === L - 1) return z;
      const a = new Float64Array(z.data.length);
      for (let i = 0; i < a.length; i++) a[i] = Math.max(z.data[i]!, 0);
      h = { rows: z.rows, cols: z.cols, data: a };
    }
    throw new DomainError('GcnNet: unreachable');
  }

  backward(dlogits: Matrix): Matrix<Float64Array> {
    const L = this.layers.length;
    const grads: Matrix<Float64Array>[] = new Array(L);
    grads[L - 1] = { rows: dlogits.rows, cols: dlogits.cols, data: Float64Array.from(dlogits.data) };
    let g = this.layers[L - 1]!.backward(dlogits);
    for (let l = L - 2; l >= 0; l--) {
      const z = this.preActivations[l]!;
      for (let i = 0; i < g.data.length; i++) if (!(z.data[i]! > 0)) g.data[i] = 0;
      grads[l] = g;
      g = this.layers[l]!.backward(g);
    }
    this.preActivationGrads = grads;
    return g;
  }

  parameters(): GraphParameter[] {
    const out: GraphParameter[] = [];
    this.layers.forEach((layer, l) => {
      for (const p of layer.parameters()) out.push({ ...p, name: `${l}.${p.name}` });
    });
    return out;
  }

  zeroGrad(): void {
    for (const l of this.layers) l.zeroGrad();
  }

  /** The state envelope: every layer's own envelope (weights and the propagation matrix) in `state.layers`. */
  toJSON(): GcnNetJSON {
    return moduleJSON('GcnNet', {}, { layers: this.layers.map((l) => l.toJSON()) });
  }

  /** Rebuilds a network from {@link GcnNet.toJSON} (or the unversioned format) with identical weights; each layer is checked by {@link GcnLayer.fromJSON}. */
  static fromJSON(json: GcnNetJSON): GcnNet {
    const raw = readModuleJSON('GcnNet.fromJSON', 'GcnNet', json).raw('layers');
    if (!Array.isArray(raw) || raw.length < 1) throw new DomainError('GcnNet.fromJSON: layers must be a non-empty array of GcnLayer JSON');
    const layers = raw.map((l) => GcnLayer.fromJSON(l as GcnLayerJSON));
    for (let i = 1; i < layers.length; i++) {
      if (layers[i]!.inFeatures !== layers[i - 1]!.outFeatures) throw new ShapeError(`GcnNet.fromJSON: layer ${i} takes ${layers[i]!.inFeatures} features, layer ${i - 1} gives ${layers[i - 1]!.outFeatures}`);
    }
    return new GcnNet(layers[0]!.adjacency, [], { variances: [] }, layers);
  }
}
