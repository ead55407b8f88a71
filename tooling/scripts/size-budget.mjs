#!/usr/bin/env node
// Library entries carry no demo code, and bundle-size budgets.
// 1. For every package with an `./experiments` subpath, no value exported there is also exported
//    by the package's main entry (experiments, their helpers and data sets live behind the subpath).
// 2. For each package, one representative import is bundled with esbuild
// (bundle + minify, ESM, browser, gpu.js external) against the package's built dist/, and the
// minified bytes must stay within the budget in tooling/size/budgets.json. Run after a build:
//   node tooling/scripts/size-budget.mjs          check every budget (exit 1 on any overrun)
//   node tooling/scripts/size-budget.mjs --print  print the sizes without checking
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const budgets = JSON.parse(readFileSync(resolve(root, 'tooling/size/budgets.json'), 'utf8'));
const printOnly = process.argv.includes('--print');

/** Minified bytes of `import { names } from pkg`, resolved the way an app that depends on pkg would. */
async function bundledBytes(pkg, names) {
  const contents = `import { ${names.join(', ')} } from '${pkg}';\nglobalThis.__keep = [${names.join(', ')}];\n`;
  const out = await build({
    stdin: { contents, resolveDir: resolve(root, 'apps/demos'), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['gpu.js'],
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0].contents.byteLength;
}

let failed = 0;
for (const dir of readdirSync(resolve(root, 'packages'))) {
  const dist = resolve(root, 'packages', dir, 'dist');
  if (!existsSync(resolve(dist, 'experiments.js'))) continue;
  const main = await import(pathToFileURL(resolve(dist, 'index.js')).href);
  const demo = await import(pathToFileURL(resolve(dist, 'experiments.js')).href);
  const leaked = Object.keys(demo).filter((k) => k in main);
  if (leaked.length > 0) {
    failed++;
    console.error(`packages/${dir}: the main entry also exports experiment code: ${leaked.join(', ')}`);
  }
}
for (const b of budgets.imports) {
  const bytes = await bundledBytes(b.package, b.names);
  const over = bytes > b.maxBytes;
  if (over && !printOnly) failed++;
  const verdict = printOnly ? '' : over ? '  OVER BUDGET' : '  ok';
  console.log(`${b.package} { ${b.names.join(', ')} }: ${(bytes / 1000).toFixed(1)} kB (budget ${(b.maxBytes / 1000).toFixed(1)} kB)${verdict}`);
}
if (failed > 0) {
  console.error(`size-budget: ${failed} import(s) over budget (tooling/size/budgets.json)`);
  process.exit(1);
}
