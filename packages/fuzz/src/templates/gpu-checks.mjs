import { keep, M, V } from '../dsl.mjs';

// Templates for @x/gpu/checks. `fn` and `name` only label messages (kept as written); the checked
// value is mutated, and every mutation must end in a typed error or a valid value.
const fn = keep('f');
const nm = keep('x');
export default (mod) => ({
  checkAborted: () => [fn, new AbortController().signal],
  checkAlloc: () => [fn, nm, 3, 4],
  checkBoolean: () => [fn, nm, true],
  checkFinite: () => [fn, nm, M(3, 4)],
  checkFunction: () => [fn, nm, () => 1],
  checkInt: () => [fn, nm, 3, keep(0), keep(10)],
  checkKey: () => [fn, nm, keep({ a: 1, b: 2 }), 'a'],
  checkMatrix: () => [fn, nm, M(3, 4)],
  checkNonNegative: () => [fn, nm, 0.5],
  checkNumber: () => [fn, nm, 0.5],
  checkOneOf: () => [fn, nm, 'a', keep(['a', 'b'])],
  checkOptions: () => [fn, { a: keep(1) }, keep(['a', 'b'])],
  checkPositive: () => [fn, nm, 0.5],
  checkRank: () => [fn, 2, keep(3), keep(4)],
  checkRng: () => [fn, nm, mod.isRng ? 3 : 3],
  checkSeed: () => [fn, nm, 3],
  checkShape: () => [fn, nm, M(3, 4), keep(3), keep(4)],
  checkSize: () => [fn, nm, 3],
  checkSteps: () => [fn, nm, 3],
  checkUnit: () => [fn, nm, 0.5],
  checkVector: () => [fn, nm, V(4)],
  describe: { args: () => [[1, 2]], total: true },
  isRng: { args: () => [{}], total: true },
});
