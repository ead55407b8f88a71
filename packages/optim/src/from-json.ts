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
  switch (json?.type) {
    case 'SGD':
      return SGD.fromJSON(json);
    case 'AdamW':
      return AdamW.fromJSON(json);
    case 'Muon':
      return Muon.fromJSON(json);
    case 'GaLoreAdamW':
      return GaLoreAdamW.fromJSON(json);
    case 'DctAdamW':
      return DctAdamW.fromJSON(json);
    case 'ARO':
      return ARO.fromJSON(json);
    case 'Trion':
      return Trion.fromJSON(json);
    default:
      throw new DomainError(`optimizerFromJSON: unknown optimizer type ${JSON.stringify(json?.type)}`);
  }
}
