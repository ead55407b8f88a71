/**
 * The fixture loader and the header every committed fixture JSON carries. Node-only (reads files).
 *
 * Layout: a package's fixtures live in `packages/<p>/test/fixtures/`, one JSON per module and
 * case set, named `<module>-<case>.json` (lower-case words joined by `-`). Each JSON is an object
 * whose `header` says where it came from:
 *
 * ```json
 * "header": { "generator": "tooling/fixtures/ssm_s4d.py", "versions": { "numpy": "2.4.6" }, "seed": 0 }
 * ```
 *
 * The generator scripts write it through tooling/fixtures/fixture_header.py (Python) or
 * tooling/fixtures/fixture-header.mjs (Node).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Provenance of a fixture: the script that wrote it, the library versions, the seed. */
export interface FixtureHeader {
  /** Repository-relative path of the generator script, e.g. `tooling/fixtures/linalg_dense.py`. */
  generator: string;
  /** Versions of what computed the reference values, e.g. `{ numpy: '2.4.6', scipy: '1.17.1' }`. */
  versions: Record<string, string>;
  /** The seed of the script's random generator, or null when the script draws no random numbers. */
  seed: number | null;
  /** Where outside data came from (a data set and its licence), when the fixture holds any. */
  source?: string;
  /** What the fixture holds, when the name does not say enough. */
  description?: string;
}

/** `<module>-<case>.json`: lower-case letters and digits, at least two words joined by `-`. */
export const FIXTURE_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)+\.json$/;

/** What is wrong with a fixture's header (empty: nothing). */
export function headerProblems(json: unknown): string[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return ['the fixture is not a JSON object'];
  const h = (json as { header?: unknown }).header;
  if (h === null || typeof h !== 'object' || Array.isArray(h)) return ['no "header" object'];
  const { generator, versions, seed, source, description } = h as Record<string, unknown>;
  const out: string[] = [];
  if (typeof generator !== 'string' || !/^tooling\/fixtures\/[\w.-]+\.(py|mjs)$/.test(generator)) {
    out.push(`header.generator must be a tooling/fixtures/*.py or *.mjs path, got ${JSON.stringify(generator)}`);
  }
  if (versions === null || typeof versions !== 'object' || Array.isArray(versions) || Object.keys(versions).length === 0) {
    out.push('header.versions must be a non-empty object of library versions');
  } else {
    for (const [k, v] of Object.entries(versions)) if (typeof v !== 'string' || v === '') out.push(`header.versions.${k} must be a version string`);
  }
  if (seed !== null && !Number.isSafeInteger(seed)) out.push(`header.seed must be an integer or null, got ${JSON.stringify(seed)}`);
  if (source !== undefined && typeof source !== 'string') out.push('header.source must be a string');
  if (description !== undefined && typeof description !== 'string') out.push('header.description must be a string');
  const extra = Object.keys(h).filter((k) => !['generator', 'versions', 'seed', 'source', 'description'].includes(k));
  if (extra.length > 0) out.push(`header has unknown fields: ${extra.join(', ')}`);
  return out;
}

function fixturePath(from: string, name: string): string {
  const dir = from.startsWith('file:') ? dirname(fileURLToPath(from)) : from;
  return join(dir, 'fixtures', name);
}

/**
 * Reads `fixtures/<name>` beside the calling test file and checks its header. `from` is the
 * caller's `import.meta.url` (or the test directory). Throws when the header is missing or
 * malformed, so a fixture without provenance cannot be used.
 */
export function loadFixture<T = unknown>(from: string, name: string): T & { header: FixtureHeader } {
  const path = fixturePath(from, name);
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const problems = headerProblems(json);
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
  return json as T & { header: FixtureHeader };
}

/** The bytes of `fixtures/<name>` beside the calling test file (binary fixtures: safetensors files). */
export function fixtureBytes(from: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(from, name)));
}
