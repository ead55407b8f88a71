import { DomainError, type Matrix, ShapeError } from '@x/gpu';
import { checkBoolean, checkOptions } from '@x/gpu/checks';
import { checkModule, type Module, type ModuleJSON, type Parameter, prefixParameters } from './module';

/**
 * A module made of named sub-modules that can be swapped, e.g. a Linear for an adapted one.
 * The children's parameter names are `<child name>.<parameter name>`.
 */
export interface ModuleContainer {
  /** The direct children, in parameter order. */
  namedChildren(): Array<[string, Module]>;
  /** Replaces the child `name` (same input/output widths expected). */
  setChild(name: string, m: Module): void;
}

/**
 * Base of the modules made of named children (attention, GLU, the transformer blocks and model):
 * parameters are the children's, prefixed with the child name; `zeroGrad` reaches every child;
 * `setChild` replaces a child whose name is a field of the same name.
 */
export abstract class ContainerModule implements Module, ModuleContainer {
  /** Used in error messages. */
  protected abstract readonly label: string;
  abstract namedChildren(): Array<[string, Module]>;
  abstract forward(x: Matrix): Matrix;
  abstract backward(dy: Matrix): Matrix;
  abstract toJSON(): ModuleJSON;

  parameters(): Parameter[] {
    return this.namedChildren().flatMap(([n, m]) => prefixParameters(n, m.parameters()));
  }

  zeroGrad(): void {
    for (const [, m] of this.namedChildren()) m.zeroGrad();
  }

  /** Replaces the child `name` (e.g. a Linear by an adapted layer with the same widths). */
  setChild(name: string, m: Module): void {
    const names = this.namedChildren().map(([n]) => n);
    if (!names.includes(name)) throw new DomainError(`${this.label}: no child "${name}" (${names.join(', ')})`);
    (this as unknown as Record<string, Module>)[name] = m;
  }

  /** The children's own JSON by name (the `state` of a container's envelope). */
  protected childrenJSON(): Record<string, ModuleJSON> {
    return Object.fromEntries(this.namedChildren().map(([n, m]) => [n, m.toJSON()]));
  }
}

/** True when `m` implements {@link ModuleContainer}. */
export function isContainer(m: unknown): m is Module & ModuleContainer {
  const c = m as Partial<ModuleContainer> | null;
  return !!c && typeof c.namedChildren === 'function' && typeof c.setChild === 'function';
}

/**
 * Every sub-module with its dotted path (`model.layers.0.self_attn.q_proj`), depth-first in
 * parameter order, the root excluded (like PyTorch's `named_modules` without the root).
 */
export function namedModules(root: Module, prefix = ''): Array<[string, Module]> {
  const out: Array<[string, Module]> = [];
  if (!isContainer(root)) return out;
  for (const [n, child] of root.namedChildren()) {
    const path = prefix ? `${prefix}.${n}` : n;
    out.push([path, child]);
    out.push(...namedModules(child, path));
  }
  return out;
}

/** Replaces the sub-module at dotted `path` (as listed by {@link namedModules}). */
export function setModule(root: Module, path: string, m: Module): void {
  checkModule('setModule', 'root', root);
  if (typeof path !== 'string') throw new DomainError(`setModule: path must be a string, got ${typeof path}`);
  checkModule('setModule', 'm', m);
  const parts = path.split('.');
  let cur: Module = root;
  let i = 0;
  // Child names may contain dots (`model.layers.0`): match the longest child name first.
  while (i < parts.length) {
    if (!isContainer(cur)) throw new DomainError(`setModule: "${parts.slice(0, i).join('.')}" has no children`);
    let found = false;
    for (let j = parts.length; j > i; j--) {
      const name = parts.slice(i, j).join('.');
      const child = cur.namedChildren().find(([n]) => n === name);
      if (!child) continue;
      if (j === parts.length) {
        cur.setChild(name, m);
        return;
      }
      cur = child[1];
      i = j;
      found = true;
      break;
    }
    if (!found) throw new DomainError(`setModule: no sub-module "${path}"`);
  }
}

/** One tensor of a state dict: its shape and row-major values. */
export interface StateTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Tensor name -> tensor; names are the modules' parameter names (llama layout for TransformerLM). */
export type StateDict = Map<string, StateTensor>;

/**
 * The module's parameters by name, as copies (changing the dict does not touch the model).
 * This is the seam to file formats: a safetensors writer takes exactly this.
 */
export function stateDict(m: Module): StateDict {
  checkModule('stateDict', 'm', m);
  const out: StateDict = new Map();
  for (const p of m.parameters()) out.set(p.name, { shape: [...p.shape], data: Float64Array.from(p.value) });
  return out;
}

/** Options of {@link loadStateDict}. */
export interface LoadStateDictOptions {
  /** Default true: every parameter must be present and no extra name may appear. */
  strict?: boolean;
}

/**
 * Copies tensors into the module's parameters by name (a Map or a plain record of
 * `{ shape, data }`). Returns the names that were missing from the dict and those the model does
 * not have. ShapeError on a shape or length mismatch; DomainError when `strict` and a name is
 * missing or unexpected.
 */
export function loadStateDict(
  m: Module,
  sd: StateDict | Readonly<Record<string, { shape: readonly number[]; data: ArrayLike<number> }>>,
  opts: LoadStateDictOptions = {},
): { missing: string[]; unexpected: string[] } {
  return loadInto('loadStateDict', m, sd, opts);
}

/** {@link loadStateDict} with errors naming `fn`, the function the user called. */
export function loadInto(
  fn: string,
  m: Module,
  sd: StateDict | Readonly<Record<string, { shape: readonly number[]; data: ArrayLike<number> }>>,
  opts: LoadStateDictOptions,
): { missing: string[]; unexpected: string[] } {
  checkModule(fn, 'm', m);
  checkOptions(fn, opts, ['strict']);
  const strict = checkBoolean(fn, 'strict', opts.strict ?? true);
  if (sd === null || typeof sd !== 'object') throw new DomainError(`${fn}: the state dict must be a Map or an object of tensors, got ${sd === null ? 'null' : typeof sd}`);
  const entries = new Map(sd instanceof Map ? sd : Object.entries(sd));
  const params = m.parameters();
  const known = new Set(params.map((p) => p.name));
  const missing = params.filter((p) => !entries.has(p.name)).map((p) => p.name);
  const unexpected = [...entries.keys()].filter((k) => !known.has(k));
  if (strict && (missing.length > 0 || unexpected.length > 0)) {
    const list = (xs: string[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ', ...' : ''}`;
    const parts = [missing.length ? `missing ${list(missing)}` : '', unexpected.length ? `unexpected ${list(unexpected)}` : ''].filter(Boolean);
    throw new DomainError(`${fn}: ${parts.join('; ')} (pass { strict: false } to load a subset)`);
  }
  for (const p of params) {
    const t = entries.get(p.name);
    if (!t) continue;
    const shape = Array.from(t.shape);
    if (shape.length !== p.shape.length || shape.some((v, i) => v !== p.shape[i]) || t.data.length !== p.value.length) {
      throw new ShapeError(`${fn}: "${p.name}" is [${shape.join(', ')}] (${t.data.length} values), the model has [${p.shape.join(', ')}]`);
    }
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i]!;
      if (!Number.isFinite(v)) throw new DomainError(`${fn}: "${p.name}"[${i}] is ${v}`);
    }
    p.value.set(t.data);
  }
  return { missing, unexpected };
}
