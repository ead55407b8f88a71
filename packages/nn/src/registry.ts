import { DomainError } from '@x/gpu';
import { GELU, ReLU, Sigmoid, SiLU, Sine, Softplus, Tanh } from './activations';
import { MultiHeadAttention } from './attention';
import { Conv1d } from './conv1d';
import { Dropout } from './dropout';
import { Embedding } from './embedding';
import { GLU } from './glu';
import { Linear } from './linear';
import { type Module, type ModuleJSON, readModuleJSON } from './module';
import { Residual } from './residual';
import { LayerNorm, RMSNorm } from './norm';
import { Sequential } from './sequential';
import { PreNormResidual, TransformerBlock, TransformerLM } from './transformer';

/** Rebuilds a module of one `type` from its JSON. */
export type ModuleFactory = (json: ModuleJSON, registry?: ModuleRegistry) => Module;

/** Extra module types, by `type` tag, for {@link moduleFromJSON}. */
export type ModuleRegistry = Readonly<Record<string, ModuleFactory>>;

const registered = new Map<string, ModuleFactory>();

/**
 * Makes `moduleFromJSON` (and so `Sequential.fromJSON`, `Residual.fromJSON` and resumed `fit`
 * checkpoints) understand a module type defined outside @x/nn, e.g.
 * `registerModule('AdaptedLinear', AdaptedLinear.fromJSON)`. A per-call `registry` argument
 * does the same without global state.
 */
export function registerModule(type: string, factory: ModuleFactory): void {
  if (typeof type !== 'string' || type.length === 0) throw new DomainError('registerModule: type must be a non-empty string');
  if (typeof factory !== 'function') throw new DomainError(`registerModule: factory must be a function (json, registry) => Module, got ${factory === null ? 'null' : typeof factory}`);
  registered.set(type, factory);
}

/**
 * Rebuilds any module from its `toJSON()` output: the built-in types, then `registry`, then
 * types added with {@link registerModule}. Throws a DomainError for an unknown type.
 */
export function moduleFromJSON(json: ModuleJSON, registry?: ModuleRegistry): Module {
  if (typeof json !== 'object' || json === null || typeof json.type !== 'string') {
    throw new DomainError('moduleFromJSON: expected an object with a string "type"');
  }
  const custom = registry?.[json.type] ?? registered.get(json.type);
  if (custom) return custom(json, registry);
  switch (json.type) {
    case 'Linear':
      return Linear.fromJSON(json as never);
    case 'Sequential':
      return Sequential.fromJSON(json as never, registry);
    case 'Residual':
      return Residual.fromJSON(json as never, registry);
    case 'ReLU':
      readModuleJSON('moduleFromJSON', json.type, json);
      return new ReLU();
    case 'GELU':
      return new GELU({ approximate: readModuleJSON('moduleFromJSON', json.type, json).string('approximate', ['none', 'tanh'] as const) });
    case 'Tanh':
      readModuleJSON('moduleFromJSON', json.type, json);
      return new Tanh();
    case 'Sigmoid':
      readModuleJSON('moduleFromJSON', json.type, json);
      return new Sigmoid();
    case 'SiLU':
      readModuleJSON('moduleFromJSON', json.type, json);
      return new SiLU();
    case 'Softplus':
      return new Softplus({ beta: readModuleJSON('moduleFromJSON', json.type, json).number('beta') });
    case 'Sine':
      return new Sine({ omega0: readModuleJSON('moduleFromJSON', json.type, json).number('omega0') });
    case 'Embedding':
      return Embedding.fromJSON(json);
    case 'LayerNorm':
      return LayerNorm.fromJSON(json);
    case 'RMSNorm':
      return RMSNorm.fromJSON(json);
    case 'Dropout':
      return Dropout.fromJSON(json);
    case 'GLU':
      return GLU.fromJSON(json, registry);
    case 'Conv1d':
      return Conv1d.fromJSON(json);
    case 'MultiHeadAttention':
      return MultiHeadAttention.fromJSON(json, registry);
    case 'PreNormResidual':
      return PreNormResidual.fromJSON(json, registry);
    case 'TransformerBlock':
      return TransformerBlock.fromJSON(json, registry);
    case 'TransformerLM':
      return TransformerLM.fromJSON(json, registry);
    default:
      throw new DomainError(
        `moduleFromJSON: unknown module type "${json.type}"; pass a registry or call registerModule("${json.type}", YourLayer.fromJSON)`,
      );
  }
}

/**
 * Rebuilds the child `name` of a container's JSON with {@link moduleFromJSON}; DomainError naming
 * `fn` when it is absent. (Containers and this registry import each other: a container's
 * children can be of any type. The circle is deliberate and the one allowed by
 * tooling/scripts/import-cycles.mjs: breaking it with an injected resolver would make every
 * import of @x/nn keep every layer, about +35 kB minified for `import { Linear }`.)
 */
export function childFromJSON(fn: string, name: string, json: unknown, registry?: ModuleRegistry): Module {
  if (typeof json !== 'object' || json === null) throw new DomainError(`${fn}: state.${name} must be a module's JSON`);
  return moduleFromJSON(json as ModuleJSON, registry);
}
