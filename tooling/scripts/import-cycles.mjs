#!/usr/bin/env node
// Fails when the relative imports inside a package's src/ form a cycle (type-only imports
// included: a cycle of types is still a tangle to read and to split). Prints each cycle found.
// ALLOWED lists the one deliberate circle: @x/nn's containers (Sequential, Residual, attention,
// GLU, transformer blocks) rebuild children of any type through moduleFromJSON, which builds
// containers. Cutting it needs an injected resolver installed by a top-level call, and that call
// makes bundlers keep every layer on any import of @x/nn (+35 kB minified for `import { Linear }`).
//   node tooling/scripts/import-cycles.mjs [packages/<p> ...]   (default: every package)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const pkgs = args.length > 0 ? args.map((a) => resolve(root, a)) : readdirSync(resolve(root, 'packages')).map((p) => resolve(root, 'packages', p));

function sources(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec.replace(/\.js$/, ''));
  for (const c of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) if (existsSync(c)) return c;
  return null;
}

/** Cycles of a directed graph: one per strongly connected component with more than one node (or a self-loop). */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(comp.reverse());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return found;
}

const ALLOWED = [['packages/nn', ['attention.ts', 'glu.ts', 'registry.ts', 'residual.ts', 'sequential.ts', 'transformer.ts']]];
const allowed = (pkg, files) => ALLOWED.some(([p, fs]) => p === pkg && files.length === fs.length && files.every((f) => fs.includes(f)));

let bad = 0;
for (const pkg of pkgs) {
  const src = join(pkg, 'src');
  if (!existsSync(src)) continue;
  const graph = new Map();
  for (const f of sources(src)) {
    const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, true);
    graph.set(f, info.importedFiles.map((i) => resolveImport(f, i.fileName)).filter((x) => x !== null));
  }
  for (const c of cycles(graph)) {
    if (allowed(relative(root, pkg), c.map((f) => relative(src, f)))) continue;
    bad++;
    console.error(`import cycle in ${relative(root, pkg)} among: ${c.map((f) => relative(src, f)).join(", ")}`);
  }
}
if (bad > 0) process.exit(1);
console.log(`import-cycles: no cycles in ${pkgs.length} package(s)`);
