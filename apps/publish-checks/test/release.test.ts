/**
 * The release flow runs: tooling/release/check.sh copies the repository's manifests, changesets
 * and built packages to a temporary folder and runs `changeset version` and
 * `pnpm publish -r --dry-run` there. Every public package must come out publishable, and a
 * minor of @x/gpu must not force majors on the packages that take it as a peer (0.x peer range
 * plus onlyUpdatePeerDependentsWhenOutOfRange in .changeset/config.json).
 */
import { execFile, execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { publicPackages, root } from '../src/packages';

const run = promisify(execFile);
const pkgs = publicPackages();

describe('release flow (throwaway copy)', () => {
  it('changeset version and pnpm publish -r --dry-run succeed for every public package', async () => {
    const before = readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
    const { stdout } = await run('bash', [join(root, 'tooling', 'release', 'check.sh')], { cwd: root, maxBuffer: 64 << 20 });
    const after = new Map([...stdout.matchAll(/^version (\S+) (\S+) -> (\S+)$/gm)].map((m) => [m[1]!, { from: m[2]!, to: m[3]! }]));
    for (const { pkg } of pkgs) {
      const v = after.get(pkg.name);
      expect(v, `${pkg.name} missing from the version step`).toBeDefined();
      expect(stdout, `${pkg.name} missing from the publish dry run`).toContain(`+ ${pkg.name}@${v!.to}`);
      // A 0.x package stays 0.x unless one of its own changesets says major.
      if (v!.from.startsWith('0.')) expect(v!.to, `${pkg.name} jumped to a major`).toMatch(/^0\./);
    }
    // Nothing in the repository changed.
    expect(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8')).toBe(before);
    for (const { path, pkg } of pkgs) {
      expect(JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).version).toBe(pkg.version);
    }
  }, 240_000);
});

describe.each(pkgs)('$pkg.name manifest', ({ dir, path, pkg }) => {
  it('ships the MIT LICENSE and names its repository, homepage and issue tracker', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(path, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
    expect(pkg.files).toContain('LICENSE');
    expect(pkg.repository).toMatchObject({ type: 'git', directory: `packages/${dir}` });
    expect(String(pkg.homepage)).toContain(`packages/${dir}`);
    expect((pkg.bugs as { url?: string })?.url).toBeTruthy();
  });

  it('takes @x/gpu as a peer (one copy per app), linked from the workspace for development', () => {
    if (pkg.name === '@x/gpu') return;
    // Only packages whose sources import @x/gpu need it.
    const uses = execSync(`grep -rlE "from '@x/gpu'" src || true`, { cwd: path, encoding: 'utf8' }).trim() !== '';
    if (!uses) return;
    const deps = (pkg.dependencies ?? {}) as Record<string, string>;
    const peers = (pkg.peerDependencies ?? {}) as Record<string, string>;
    const dev = (pkg.devDependencies ?? {}) as Record<string, string>;
    expect(deps['@x/gpu'], 'a plain dependency on @x/gpu lets two copies happen').toBeUndefined();
    expect(peers['@x/gpu']).toBe('workspace:0.x');
    expect(dev['@x/gpu']).toBe('workspace:^');
  });
});
