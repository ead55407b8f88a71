import { join } from 'node:path';

/** The fixture folder, for tests that pass paths (the Node entry reads files). */
export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The fixture's JSON numbers, with NaN/Infinity spelled as strings. */
export function num(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}
