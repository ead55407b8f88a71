import { DomainError, type Matrix, ShapeError } from '@x/gpu';
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

/** What {@link Residual.toJSON} returns: the `@x` state envelope, children's envelopes nested in `state`. */
export type ResidualJSON = ModuleStateJSON<'Residual', Record<string, never>, { body: ModuleJSON }>;

/**
 * Residual connection y = x + body(x) (He et al. 2016, eq. 1); body must keep the shape.
 * backward: dx = dy + body.backward(dy). Parameter names are prefixed with `body.`.
 */
export class Residual implements Module {
  readonly body: Module;

  constructor(body: Module) {
    if (!body || typeof body.forward !== 'function' || typeof body.backward !== 'function') {
      throw new DomainError('Residual: body must implement the module interface');
    }
    this.body = body;
  }

  forward(x: Matrix): Matrix {
    return this.join(x, this.body.forward(x));
  }

  backward(dy: Matrix): Matrix {
    return this.join(dy, this.body.backward(dy));
  }

  async forwardAsync(x: Matrix, ctx?: AsyncContext): Promise<Matrix> {
    return this.join(x, await forwardWith(this.body, x, ctx));
  }

  async backwardAsync(dy: Matrix, ctx?: AsyncContext): Promise<Matrix> {
    return this.join(dy, await backwardWith(this.body, dy, ctx));
  }

  parameters(): Parameter[] {
    return prefixParameters('body', this.body.parameters());
  }

  zeroGrad(): void {
    this.body.zeroGrad();
  }

  /** The state envelope: no config, the body's own envelope in `state.body`. */
  toJSON(): ResidualJSON {
    return moduleJSON('Residual', {}, { body: this.body.toJSON() });
  }

  /** Rebuilds from {@link Residual.toJSON} (or the unversioned format of earlier releases). */
  static fromJSON(json: ResidualJSON, registry?: ModuleRegistry): Residual {
    const body = readModuleJSON('Residual.fromJSON', 'Residual', json).raw('body');
    if (typeof body !== 'object' || body === null) throw new DomainError('Residual.fromJSON: body must be module JSON');
    return new Residual(childFromJSON('Residual.fromJSON', 'body', body, registry));
  }

  /** a + b as a new float64 matrix; a ShapeError when the body changed the shape. */
  private join(a: Matrix, b: Matrix): Matrix {
    if (a.rows !== b.rows || a.cols !== b.cols) {
      throw new ShapeError(`Residual: body maps ${a.rows}x${a.cols} to ${b.rows}x${b.cols}; a residual body must keep the shape`);
    }
    const out = new Float64Array(a.data.length);
    const x = a.data;
    const y = b.data;
    for (let i = 0; i < out.length; i++) out[i] = x[i]! + y[i]!;
    return { rows: a.rows, cols: a.cols, data: out };
  }
}
