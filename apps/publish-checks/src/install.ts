/**
 * The install test's steps: pack every public package as it would be published, install the
 * tarballs alone into fresh npm and pnpm projects, and write the scripts that import each
 * package from ESM, CommonJS and TypeScript and make one real call.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PublicPackage } from './packages';

export const run = promisify(execFile);

/**
 * One real call per package, as source text over the module `m`, returning something JSON-able.
 * The test compares its value from the installed tarball with its value from the workspace build.
 * A package without an entry here is checked by import alone.
 */
export const CALLS: Record<string, string> = {
  '@x/gpu': 'Array.from(m.matmul(m.eye(2), m.matrix(2, 2, [1, 2, 3, 4])).data)',
  '@x/linalg': 'Array.from(m.svd(m.fromArray2D([[3, 0], [0, 4]])).S)',
  '@x/nn': 'm.mseLoss({ rows: 1, cols: 2, data: Float64Array.of(1, 2) }, { rows: 1, cols: 2, data: Float64Array.of(0, 0) }).value',
  '@x/optim': '[0, 5, 10, 55, 100].map((t) => m.scheduleFactor(m.warmupCosine({ warmup: 10, total: 100 }), t))',
  '@x/streaming': 'new m.FrequentDirections({ dim: 3, ell: 2 }).updateAll({ rows: 3, cols: 3, data: Float64Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3) }).sketch().cols',
  '@x/ssm': 'Array.from(m.hippoLegS(3).A.data)',
  '@x/peft': 'm.pissaInit({ rows: 2, cols: 2, data: Float64Array.of(2, 0, 0, 1) }, 1).scale',
  '@x/inr': 'm.psnrFromMse(0.01)',
  '@x/graph-init': 'Array.from(m.mobiusAdd(Float64Array.of(0.1, 0.2), Float64Array.of(-0.3, 0.1), 1))',
  '@x/safetensors': "Array.from(m.writeSafetensors({ w: { dtype: 'F32', shape: [2], data: [1, 2] } }).slice(0, 16))",
};

/** The same calls, typed: what a TypeScript user writes (checked by tsc, not run). */
export const TYPED: Record<string, string> = {
  '@x/gpu': 'const r: Float64Array | Float32Array = m.matmul(m.eye(2), m.matrix(2, 2, [1, 2, 3, 4])).data;',
  '@x/linalg': 'const r: Float64Array = m.svd(m.fromArray2D([[3, 0], [0, 4]])).S;',
  '@x/nn': 'const r: number = m.mseLoss({ rows: 1, cols: 2, data: Float64Array.of(1, 2) }, { rows: 1, cols: 2, data: Float64Array.of(0, 0) }).value;',
  '@x/optim': 'const r: number = m.scheduleFactor(m.warmupCosine({ warmup: 10, total: 100 }), 5);',
  '@x/streaming': 'const r: number = new m.FrequentDirections({ dim: 3, ell: 2 }).sketch().cols;',
  '@x/ssm': 'const r: number = m.hippoLegS(3).A.rows;',
  '@x/peft': 'const r: number = m.pissaInit({ rows: 2, cols: 2, data: Float64Array.of(2, 0, 0, 1) }, 1).scale;',
  '@x/inr': 'const r: number = m.psnrFromMse(0.01);',
  '@x/graph-init': 'const r: Float64Array = m.mobiusAdd(Float64Array.of(0.1), Float64Array.of(0.2), 1);',
  '@x/safetensors': "const r: Uint8Array = m.writeSafetensors({ w: { dtype: 'F32', shape: [2], data: [1, 2] } });",
};

/** Runs at most `limit` of the jobs at a time. */
export async function pool<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

/** `pnpm pack` of every package into `dest` (one pnpm run); returns package name -> tarball path. */
export async function packAll(pkgs: PublicPackage[], dest: string): Promise<Record<string, string>> {
  mkdirSync(dest, { recursive: true });
  await run('pnpm', ['-r', ...pkgs.flatMap((p) => ['--filter', p.pkg.name]), 'pack', '--pack-destination', dest], { cwd: pkgs[0]!.path });
  const files = readdirSync(dest);
  const out: Record<string, string> = {};
  for (const p of pkgs) {
    const base = `${p.pkg.name.replace('@', '').replace('/', '-')}-${p.pkg.version}.tgz`;
    if (!files.includes(base)) throw new Error(`pnpm pack made no ${base} in ${dest} (found ${files.join(', ')})`);
    out[p.pkg.name] = join(dest, base);
  }
  return out;
}

/**
 * A fresh project depending on every tarball. Overrides pin the packages' dependencies on one
 * another to the tarballs too, so nothing named @x/* is fetched from a registry.
 */
export function writeProject(dir: string, tarballs: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  const deps = Object.fromEntries(Object.entries(tarballs).map(([n, t]) => [n, `file:${t}`]));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'x-install-test', version: '1.0.0', private: true, dependencies: deps, overrides: deps, pnpm: { overrides: deps } }, null, 2)}\n`,
  );
}

/** The ESM and CJS scripts: import each package, make its call, print { name: result }. */
export function writeScripts(dir: string, names: string[]): void {
  const body = (load: (n: string) => string) =>
    names
      .map((n) => `  { const m = ${load(n)}; if (!Object.keys(m).length) throw new Error('${n}: empty module'); out[${JSON.stringify(n)}] = ${CALLS[n] ?? 'Object.keys(m).length > 0'}; }`)
      .join('\n');
  writeFileSync(join(dir, 'esm.mjs'), `const out = {};\n${body((n) => `await import(${JSON.stringify(n)})`)}\nconsole.log(JSON.stringify(out));\n`);
  writeFileSync(join(dir, 'cjs.cjs'), `const out = {};\n${body((n) => `require(${JSON.stringify(n)})`)}\nconsole.log(JSON.stringify(out));\n`);
}

/**
 * TypeScript consumers: node16 resolution from an .mts and a .cts file, and bundler resolution
 * from a .ts file, each importing every package (namespace import) and making the typed call.
 */
export function writeTypeScript(dir: string, names: string[]): void {
  const uses = (ext: string) =>
    names.map((n, i) => `import * as m${i} from ${JSON.stringify(n)};\n{ const m = m${i}; ${TYPED[n] ?? 'const r: unknown = m;'} void r; }`).join('\n') + (ext === 'cts' ? '\nexport {};' : '\nexport {};');
  writeFileSync(join(dir, 'check.mts'), `${uses('mts')}\n`);
  writeFileSync(join(dir, 'check.cts'), `${uses('cts')}\n`);
  writeFileSync(join(dir, 'check.ts'), `${uses('ts')}\n`);
  const common = { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [] };
  writeFileSync(join(dir, 'tsconfig.node16.json'), JSON.stringify({ compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' }, files: ['check.mts', 'check.cts'] }));
  writeFileSync(join(dir, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler' }, files: ['check.ts'] }));
}

/** One representative import per package, as a user's page would write it. */
export const PAGES: Record<string, string> = {
  '@x/gpu': "import { matmul, randn } from '@x/gpu';\nout(matmul(randn(8, 8, 1), randn(8, 8, 2)).data[0]);",
  '@x/linalg': "import { svd } from '@x/linalg';\nout(svd({ rows: 2, cols: 2, data: Float64Array.of(3, 0, 0, 4) }).S[0]);",
  '@x/nn': "import { Linear } from '@x/nn';\nout(new Linear(2, 2, { seed: 0 }).parameters().length);",
  '@x/optim': "import { Muon } from '@x/optim';\nout(typeof new Muon({ lr: 0.02 }).step);",
  '@x/streaming': "import { FrequentDirections } from '@x/streaming';\nout(new FrequentDirections({ dim: 4, ell: 2 }).sketch().cols);",
  '@x/ssm': "import { s4dInit } from '@x/ssm';\nout(s4dInit(8, { kind: 'lin' }).A.re.length);",
  '@x/peft': "import { pissaInit } from '@x/peft';\nout(pissaInit({ rows: 2, cols: 2, data: Float64Array.of(2, 0, 0, 1) }, 1).scale);",
  '@x/inr': "import { sirenInit } from '@x/inr';\nout(JSON.stringify(sirenInit([1, 4, 1], { seed: 0 })).length);",
  '@x/graph-init': "import { mobiusAdd } from '@x/graph-init';\nout(mobiusAdd(Float64Array.of(0.1), Float64Array.of(0.2), 1)[0]);",
  '@x/safetensors': "import { readSafetensors } from '@x/safetensors';\nreadSafetensors(new Uint8Array(8)).then(out, out);",
};

/** A Vite page per package under `dir/pages/<name>`; returns name -> page root. */
export function writePages(dir: string, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const root = join(dir, 'pages', n.replace('@x/', ''));
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><html><body><pre id="out"></pre><script type="module" src="./main.js"></script></body></html>\n');
    const body = PAGES[n] ?? `import * as m from '${n}';\nout(Object.keys(m).length);`;
    writeFileSync(join(root, 'main.js'), `const out = (v) => { document.getElementById('out').textContent = String(v); };\n${body}\n`);
    out[n] = root;
  }
  return out;
}
