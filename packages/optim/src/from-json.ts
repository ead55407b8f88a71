import { DomainError } from '@x/gpu';
import { AdamW } from './adamw';
import { ARO } from './aro';
import { DctAdamW } from './dct-adamw';
import { GaLoreAdamW } from './galore';
import { Muon } from './muon';
import type { Optimizer, OptimizerJSON } from './optimizer';
import { SGD } from './sgd';
import { Trion } from './trion';

/**
 * Rebuilds any @x/optim optimizer from its `toJSON()` output (dispatching on `type`); the
 * restored optimizer continues bit-identically.
 * @throws DomainError for an unknown type or malformed JSON.
 */
export function optimizerFromJSON(json: OptimizerJSON): Optimizer {
  if (typeof json !== 'object' || json === null) throw new DomainError(`optimizerFromJSON: expected the object an optimizer's toJSON() returns, got ${typeof json}`);
  switch (json.type) {
    case 'SGD':
      return SGD.fromJSON(json as never);
    case 'AdamW':
      return AdamW.fromJSON(json as never);
    case 'Muon':
      return Muon.fromJSON(json as never);
    case 'GaLoreAdamW':
      return GaLoreAdamW.fromJSON(json as never);
    case 'DctAdamW':
      return DctAdamW.fromJSON(json as never);
    case 'ARO':
      return ARO.fromJSON(json as never);
    case 'Trion':
      return Trion.fromJSON(json as never);
    default:
      throw new DomainError(`optimizerFromJSON: unknown optimizer type ${JSON.stringify(json.type)}`);
  }
}
