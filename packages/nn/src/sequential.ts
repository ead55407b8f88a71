import { DomainError, type Matrix } from '@x/gpu';
import {
  type AsyncContext,
  backwardWith,
  forwardWith,
  type Module,
  type ModuleJSON,
  type ModuleStateJSON,
  moduleJSON,
  type Parameter,
  prefixParameters,
  readModuleJSON,
} from './module';
import { childFromJSON, type ModuleRegistry } from './registry';

/** What {@link Sequential.toJSON} returns: the `@x` state envelope, children's envelopes nested in `state`. */
export type SequentialJSON = ModuleStateJSON<'Sequential', Record<string, never>, { layers: ModuleJSON[] }>;

/**
 * Chains modules: forward runs them in order, backward in reverse. Parameter names are
 * prefixed with the child's index (`"0.weight"`, `"2.bias"`), as in PyTorch's state dicts.
 */
export class Sequential implements Module {
  readonly layers: readonly Module[];

  constructor(layers: readonly Module[]);
  constructor(...layers: Module[]);
  constructor(...args: Module[] | [readonly Module[]]) {
    const layers: Module[] = args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly Module[])] : (args as Module[]);
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i] as Partial<Module> | undefined;
      if (!l || typeof l.forward !== 'function' || typeof l.backward !== 'function' || typeof l.parameters !== 'function') {
        throw new DomainError(`Sequential: layer ${i} does not implement the module interface (forward, backward, parameters, zeroGrad, toJSON)`);
      }
    }
    this.layers = layers;
  }

  forward(x: Matrix): Matrix {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }

  backward(dy: Matrix): Matrix {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i]!.backward(g);
    return g;
  }

  async forwardAsync(x: Matrix, ctx?: AsyncContext): Promise<Matrix> {
    let h = x;
    for (const l of this.layers) h = await forwardWith(l, h, ctx);
    return h;
  }

  async backwardAsync(dy: Matrix, ctx?: AsyncContext): Promise<Matrix> {
    let g = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) g = await backwardWith(this.layers[i]!, g, ctx);
    return g;
  }

  parameters(): Parameter[] {
    const out: Parameter[] = [];
    this.layers.forEach((l, i) => {
      out.push(...prefixParameters(String(i), l.parameters()));
    });
    return out;
  }

  zeroGrad(): void {
    for (const l of this.layers) l.zeroGrad();
  }

  /** The state envelope: no config, the layers' own envelopes in `state.layers`. */
  toJSON(): SequentialJSON {
    return moduleJSON('Sequential', {}, { layers: this.layers.map((l) => l.toJSON()) });
  }

  /**
   * Rebuilds from {@link Sequential.toJSON} (or the unversioned format of earlier releases);
   * children's types are resolved by `moduleFromJSON`.
   */
  static fromJSON(json: SequentialJSON, registry?: ModuleRegistry): Sequential {
    const layers = readModuleJSON('Sequential.fromJSON', 'Sequential', json).raw('layers');
    if (!Array.isArray(layers)) throw new DomainError('Sequential.fromJSON: layers must be an array of module JSON');
    return new Sequential(...(layers as ModuleJSON[]).map((l, i) => childFromJSON('Sequential.fromJSON', `layers[${i}]`, l, registry)));
  }
}
