import { DomainError } from '@x/gpu';
import type { Module, ModuleJSON } from './module';

/** Rebuilds a module of one `type` from its JSON. */
export type ModuleFactory = (json: ModuleJSON, registry?: ModuleRegistry) => Module;

/** Extra module types, by `type` tag, for `moduleFromJSON`. */
export type ModuleRegistry = Readonly<Record<string, ModuleFactory>>;

/*
 * Containers rebuild their children with `moduleFromJSON`, and `moduleFromJSON` rebuilds
 * containers. To keep the files free of an import circle, registry.ts hands its
 * `moduleFromJSON` to this slot when it loads (the package entry always loads it), and the
 * containers call it through `childFromJSON`.
 */
let resolve: ModuleFactory | null = null;

/** Installs the function containers use to rebuild a child (registry.ts calls it once, with `moduleFromJSON`). */
export function setChildResolver(f: ModuleFactory): void {
  resolve = f;
}

/** Rebuilds the child `name` of a container's JSON with `moduleFromJSON`; DomainError naming `fn` when it is absent. */
export function childFromJSON(fn: string, name: string, json: unknown, registry?: ModuleRegistry): Module {
  if (typeof json !== 'object' || json === null) throw new DomainError(`${fn}: state.${name} must be a module's JSON`);
  if (!resolve) throw new DomainError(`${fn}: moduleFromJSON is not loaded (import the containers from @x/nn, not from its files)`);
  return resolve(json as ModuleJSON, registry);
}
