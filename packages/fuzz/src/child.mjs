// Runs the fuzz cases of one module in this process, from a given index, reporting each case's
// start and outcome to the parent (which owns the timeout and the memory cap).
// argv: <module specifier> <first case index>
import { XError } from '@x/gpu';
import { casesOf, isTypedError, nonFinite } from './mutate.mjs';
import { templateModules } from './templates/index.mjs';

const [spec, fromArg] = process.argv.slice(2);
const from = Number(fromArg ?? 0);
const send = (m) => new Promise((resolve) => process.send(m, resolve));

function isClass(f) {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
}

/** Normalized templates of a module: name -> { args, ... }; '#' names are method templates. */
export async function loadTemplates(spec, mod) {
  const load = templateModules[spec];
  if (!load) return {};
  // Templates shared by a package's entries (main and /experiments) may build arguments from
  // any of them: they see the union of those entries' exports.
  const pkg = spec.split('/').slice(0, 2).join('/');
  const shared = Object.keys(templateModules).filter((s) => s !== spec && s.split('/').slice(0, 2).join('/') === pkg && templateModules[s] === load);
  const scope = Object.assign({}, ...(await Promise.all(shared.map((s) => import(s)))), mod);
  const raw = (await load()).default(scope);
  const out = {};
  for (const [k, v] of Object.entries(raw)) out[k] = typeof v === 'function' ? { args: v } : v;
  return out;
}

async function main() {
  const mod = await import(spec);
  const templates = await loadTemplates(spec, mod);
  const callable = Object.keys(mod).filter((k) => typeof mod[k] === 'function').sort();
  const missing = callable.filter((k) => !(k in templates));
  // Names exported by any entry of this package that shares the template file (main entry and
  // its /experiments subpath): a template is stale only when none of them exports its name.
  const pkg = spec.split('/').slice(0, 2).join('/');
  const siblings = await Promise.all(
    Object.keys(templateModules)
      .filter((s) => s !== spec && s.split('/').slice(0, 2).join('/') === pkg && templateModules[s] === templateModules[spec])
      .map((s) => import(s)),
  );
  const stale = Object.keys(templates).filter((k) => !k.includes('#') && !(k in mod) && !siblings.some((m) => k in m));
  const cases = [];
  for (const name of Object.keys(templates).sort()) {
    const t = templates[name];
    if (t.skip) continue;
    const target = name.split('#')[0];
    if (!(target in mod)) continue;
    for (const c of casesOf(t)) {
      if (c.expect === 'base' && t.expectBase) c.expect = t.expectBase;
      cases.push({ name, t, target, ...c });
    }
  }
  await send({ type: 'list', n: cases.length, missing, stale });
  for (let i = from; i < cases.length; i++) {
    const c = cases[i];
    await send({ type: 'start', i, name: c.name, label: c.label });
    let outcome;
    let detail = '';
    try {
      const args = c.build();
      const f = mod[c.target];
      let result;
      if (c.t.method) {
        const obj = await c.t.make(mod);
        result = obj[c.t.method](...args);
      } else if (c.t.call) result = c.t.call(f, args, mod);
      else if (isClass(f)) result = new f(...args);
      else result = f(...args);
      if (result && typeof result.then === 'function') result = await result;
      if (c.t.check) result = await c.t.check(result, mod);
      const bad = c.t.finite === false ? null : nonFinite(result);
      if (c.expect === 'reject' || c.expect === 'abort') {
        outcome = 'garbage';
        detail = 'accepted';
      } else if (c.expect !== 'any' && bad) {
        outcome = 'nan';
        detail = bad;
      } else outcome = 'ok';
    } catch (e) {
      if (!isTypedError(e) && !(e instanceof XError)) {
        outcome = c.expect === 'base' ? 'base' : 'raw';
        detail = `${e?.name ?? typeof e}: ${String(e?.message ?? e).slice(0, 160)}`;
      } else if (c.expect === 'base') {
        outcome = 'base';
        detail = `${e.name}: ${String(e.message).slice(0, 160)}`;
      } else if (c.expect === 'abort' && e.name !== 'AbortError') {
        outcome = 'garbage';
        detail = `expected AbortError, got ${e.name}: ${String(e.message).slice(0, 120)}`;
      } else outcome = 'typed';
    }
    await send({ type: 'result', i, name: c.name, label: c.label, outcome, detail });
  }
  await send({ type: 'done' });
  process.exit(0);
}

process.on('unhandledRejection', () => {});
main().catch(async (e) => {
  await send({ type: 'fatal', detail: String(e?.stack ?? e).slice(0, 400) });
  process.exit(1);
});
