import { AbortError, DomainError, rng, ShapeError } from '@x/gpu';
import { describe, expect, it } from 'vitest';
import { permutationLogitCount, permutedLossGradient, relaxedPermutationMatrix, roundedPermutation } from '../src/butterfly-perm';
import { type Butterfly, bitReversal, butterflyDct, butterflyToMatrix, butterflyTransformTarget, dct, fft, learnButterflyPermuted, learnButterflyTransform } from '../src/structured';

const log2 = (n: number) => Math.round(Math.log2(n));

describe('relaxed permutation', () => {
  it('is the identity at p = 0 and bit reversal with every even/odd choice taken', () => {
    for (const n of [4, 8, 16, 32]) {
      const K = log2(n) - 1;
      const id = relaxedPermutationMatrix(new Float64Array(3 * K).fill(-60), n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(id[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 12);
      const logits = new Float64Array(3 * K).fill(-60);
      for (let k = 0; k < K; k++) logits[3 * k] = 60;
      const P = relaxedPermutationMatrix(logits, n);
      const br = bitReversal(n);
      // (P x)_i = x_{br[i]}: row i of P is e_{br[i]}.
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(P[i * n + j]).toBeCloseTo(br[i] === j ? 1 : 0, 12);
      expect(Array.from(roundedPermutation(logits, n))).toEqual(Array.from(br));
    }
  });

  for (const [layout, model] of [
    ['shared', 'BP'],
    ['shared', 'BPP'],
    ['level', 'BP'],
    ['block', 'BP'],
    ['level', 'BPP'],
    ['block', 'BPP'],
  ] as const) {
    it(`is doubly stochastic for any logits, and its rounding is a permutation matching the hard matrix (${layout}, ${model})`, () => {
      const r = rng(3);
      const n = 16;
      const logits = r.fillNormal(new Float64Array(permutationLogitCount(n, layout, model)), 2);
      const P = relaxedPermutationMatrix(logits, n, layout, model);
      for (let i = 0; i < n; i++) {
        let row = 0;
        let col = 0;
        for (let j = 0; j < n; j++) {
          row += P[i * n + j]!;
          col += P[j * n + i]!;
          expect(P[i * n + j]).toBeGreaterThanOrEqual(-1e-15);
        }
        expect(row).toBeCloseTo(1, 12);
        expect(col).toBeCloseTo(1, 12);
      }
      const hard = logits.map((t) => (t >= 0 ? 60 : -60));
      const Ph = relaxedPermutationMatrix(hard, n, layout, model);
      const perm = roundedPermutation(logits, n, layout, model);
      expect(new Set(perm).size).toBe(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Ph[i * n + j]).toBeCloseTo(perm[i] === j ? 1 : 0, 12);
      // Rounding sits exactly at logit 0 (p = 1/2 is taken).
      const edge = new Float64Array(logits.length);
      const taken = roundedPermutation(edge, n, layout, model);
      const all = roundedPermutation(edge.map(() => 1), n, layout, model);
      expect(Array.from(taken)).toEqual(Array.from(all));
    });
  }

  it('per block: each block of a level chooses independently (one block reversed, its sibling not)', () => {
    const n = 8;
    // Level 0 (one block of 8) does nothing; level 1 block 0 (entries 0..3) reverses its first half.
    const l = new Float64Array(permutationLogitCount(n, 'block', 'BP')).fill(-60);
    l[3 + 1] = 60;
    expect(Array.from(roundedPermutation(l, n, 'block'))).toEqual([1, 0, 2, 3, 4, 5, 6, 7]);
    l[3 + 1] = -60;
    l[6 + 2] = 60;
    expect(Array.from(roundedPermutation(l, n, 'block'))).toEqual([0, 1, 2, 3, 4, 5, 7, 6]);
  });

  it('makes Makhoul reordering then bit reversal reachable (the DCT route): level 0 takes even/odd and reverse-second-half', () => {
    // v = [x0, x2, ..., x_{n-1}, ..., x3, x1] is even/odd then second half reversed.
    const n = 8;
    const logits = new Float64Array(6).fill(-60);
    logits[0] = 60;
    logits[2] = 60;
    expect(Array.from(roundedPermutation(logits, n))).toEqual([0, 2, 4, 6, 7, 5, 3, 1]);
  });
});

// Nested dyadic blocks of a permutation: the sets at positions of blocks of 2, 4, ..., n/2. A
// butterfly with increasing strides absorbs reorderings that keep them, so two permutations with
// the same blocks give the same set of B P products.
const blocks = (p: Int32Array): string => {
  const out: string[] = [];
  for (let s = 2; s < p.length; s *= 2) {
    const b: string[] = [];
    for (let i = 0; i < p.length; i += s) b.push(Array.from(p.slice(i, i + s)).sort((x, y) => x - y).join('.'));
    out.push(b.sort().join('|'));
  }
  return out.join('/');
};

/** Every rounded permutation of a layout/model at size n (exhaustive over the 2^count choices). */
function allRounded(n: number, layout: 'shared' | 'level' | 'block', model: 'BP' | 'BPP'): Int32Array[] {
  const c = permutationLogitCount(n, layout, model);
  const out: Int32Array[] = [];
  for (let m = 0; m < 2 ** c; m++) {
    const l = new Float64Array(c);
    for (let b = 0; b < c; b++) l[b] = (m >> b) & 1 ? 1 : -1;
    out.push(roundedPermutation(l, n, layout, model));
  }
  return out;
}

describe('reach of the permutation families (which DCT route each contains)', () => {
  it('per level and per block: bit reversal\'s blocks, but never those of the exact DCT route (Makhoul, then bit reversal)', () => {
    for (const [n, layouts] of [
      [8, ['shared', 'level', 'block']],
      [16, ['shared', 'level']],
    ] as const) {
      const dctBlocks = blocks(butterflyDct(n).butterfly.perm);
      const brBlocks = blocks(bitReversal(n));
      for (const layout of layouts) {
        const ks = allRounded(n, layout, 'BP').map(blocks);
        expect(ks).toContain(brBlocks);
        expect(ks).not.toContain(dctBlocks);
      }
    }
  });

  it('shared within per level within per block (distinct block structures at n = 16: strictly more at each step)', () => {
    const sh = new Set(allRounded(16, 'shared', 'BP').map(blocks));
    const lv = new Set(allRounded(16, 'level', 'BP').map(blocks));
    const bl = new Set(allRounded(8, 'block', 'BP').map(blocks));
    const lv8 = new Set(allRounded(8, 'level', 'BP').map(blocks));
    for (const k of sh) expect(lv.has(k)).toBe(true);
    expect(lv.size).toBeGreaterThan(sh.size);
    for (const k of lv8) expect(bl.has(k)).toBe(true);
    expect(bl.size).toBeGreaterThan(lv8.size);
  });

  it("BPP contains the exact DCT permutation: extra factor = even/odd + reverse second half, every level even/odd", () => {
    for (const n of [8, 16, 32, 64, 256]) {
      for (const layout of ['shared', 'level', 'block'] as const) {
        const l = new Float64Array(permutationLogitCount(n, layout, 'BPP')).fill(-40);
        // Every level's (every block's) even/odd choice taken; then the extra factor's E and R2.
        for (let k = 0; k < l.length - 3; k += 3) l[k] = 40;
        l[l.length - 3] = 40;
        l[l.length - 1] = 40;
        expect(Array.from(roundedPermutation(l, n, layout, 'BPP'))).toEqual(Array.from(butterflyDct(n).butterfly.perm));
      }
    }
  });

  it('the exact DCT factorization expressed in the BPP model has relaxed loss ~ 0 (real part, diagonal folded into the last stage)', () => {
    for (const n of [8, 16, 64, 256]) {
      const { butterfly, diag } = butterflyDct(n);
      const L = log2(n);
      const tw = { re: butterfly.twiddle.re.slice(), im: butterfly.twiddle.im.slice() };
      // Row i of the last stage's output is scaled by d_i: (a, b) of pair (i0, i1) by d_i0, (c, d) by d_i1.
      const half = n / 2;
      const s = half;
      for (let p = 0; p < half; p++) {
        const t = 4 * ((L - 1) * half + p);
        const i0 = Math.floor(p / s) * 2 * s + (p % s);
        for (let q = 0; q < 4; q++) {
          const row = q < 2 ? i0 : i0 + s;
          const ar = tw.re[t + q]!;
          const ai = tw.im[t + q]!;
          tw.re[t + q] = ar * diag.re[row]! - ai * diag.im[row]!;
          tw.im[t + q] = ar * diag.im[row]! + ai * diag.re[row]!;
        }
      }
      for (const layout of ['shared', 'level', 'block'] as const) {
        const l = new Float64Array(permutationLogitCount(n, layout, 'BPP')).fill(-60);
        for (let k = 0; k < l.length - 3; k += 3) l[k] = 60;
        l[l.length - 3] = 60;
        l[l.length - 1] = 60;
        const g = permutedLossGradient(butterflyTransformTarget('dct', n), tw, l, true, layout, 'BPP');
        expect(g.loss).toBeLessThan(1e-26);
        // The same twiddles with the rounded DCT route perm as a hard butterfly, evaluated densely.
        const M = butterflyToMatrix({ n, perm: roundedPermutation(l, n, layout, 'BPP'), twiddle: tw } as Butterfly);
        const T = butterflyTransformTarget('dct', n);
        let err = 0;
        for (let k = 0; k < n * n; k++) err = Math.max(err, Math.abs(M.re.data[k]! - T.re.data[k]!));
        expect(err).toBeLessThan(1e-12);
      }
      // Without the extra factor (BP, per block) the same twiddles are far from the DCT.
      const lb = new Float64Array(permutationLogitCount(n, 'block', 'BP')).fill(-60);
      for (let k = 0; k < lb.length; k += 3) lb[k] = 60;
      expect(permutedLossGradient(butterflyTransformTarget('dct', n), tw, lb, true, 'block', 'BP').loss).toBeGreaterThan(1e-3);
    }
  });
});

describe('block-diagonal evaluation against the dense product', () => {
  it('loss = ||Re/Im(B P) - T||^2 / n^2 with B from butterflyToMatrix and P the dense relaxed permutation, every layout and model', () => {
    const r = rng(21);
    for (const n of [2, 4, 8, 32]) {
      const L = log2(n);
      const len = 4 * (n / 2) * L;
      const tw = { re: r.fillNormal(new Float64Array(len), 0.7), im: r.fillNormal(new Float64Array(len), 0.7) };
      const id = new Int32Array(n).map((_, i) => i);
      const B = butterflyToMatrix({ n, perm: id, twiddle: tw });
      for (const layout of ['shared', 'level', 'block'] as const) {
        for (const model of ['BP', 'BPP'] as const) {
          for (const realPart of [false, true]) {
            const logits = r.fillNormal(new Float64Array(permutationLogitCount(n, layout, model)), 1.5);
            const P = relaxedPermutationMatrix(logits, n, layout, model);
            const T = butterflyTransformTarget(realPart ? 'dct' : 'dft', n);
            let ref = 0;
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < n; j++) {
                let mr = 0;
                let mi = 0;
                for (let k = 0; k < n; k++) {
                  mr += B.re.data[i * n + k]! * P[k * n + j]!;
                  mi += B.im.data[i * n + k]! * P[k * n + j]!;
                }
                const er = mr - T.re.data[i * n + j]!;
                const ei = realPart ? 0 : mi - T.im.data[i * n + j]!;
                ref += er * er + ei * ei;
              }
            }
            ref /= n * n;
            const got = permutedLossGradient(T, tw, logits, realPart, layout, model).loss;
            expect(Math.abs(got - ref)).toBeLessThan(1e-12 * Math.max(1, ref));
          }
        }
      }
    }
  });
});

describe('learnButterflyPermuted gradient', () => {
  const cases = [
    { realPart: false, layout: 'level', model: 'BP', n: 8 },
    { realPart: true, layout: 'level', model: 'BP', n: 8 },
    { realPart: false, layout: 'block', model: 'BP', n: 16 },
    { realPart: true, layout: 'block', model: 'BPP', n: 16 },
    { realPart: false, layout: 'level', model: 'BPP', n: 8 },
    { realPart: true, layout: 'shared', model: 'BPP', n: 16 },
    { realPart: false, layout: 'shared', model: 'BP', n: 32 },
  ] as const;
  for (const { realPart, layout, model, n } of cases) {
    it(`matches central finite differences for twiddles and logits (n ${n}, ${layout}, ${model}, realPart ${realPart})`, () => {
      const L = log2(n);
      const r = rng(11);
      const len = 4 * (n / 2) * L;
      const tw = { re: r.fillNormal(new Float64Array(len), 0.7), im: r.fillNormal(new Float64Array(len), 0.7) };
      const logits = r.fillNormal(new Float64Array(permutationLogitCount(n, layout, model)), 1);
      const target = butterflyTransformTarget(realPart ? 'dct' : 'dft', n);
      const g = permutedLossGradient(target, tw, logits, realPart, layout, model);
      const h = 1e-6;
      const fd = (set: (d: number) => void): number => {
        set(h);
        const a = permutedLossGradient(target, tw, logits, realPart, layout, model).loss;
        set(-2 * h);
        const b = permutedLossGradient(target, tw, logits, realPart, layout, model).loss;
        set(h);
        return (a - b) / (2 * h);
      };
      let scale = 0;
      for (const v of [...g.gradLogits, ...g.gradTwiddle.re]) scale = Math.max(scale, Math.abs(v));
      expect(scale).toBeGreaterThan(1e-3);
      let nonzero = 0;
      for (let k = 0; k < logits.length; k++) {
        const num = fd((d) => {
          logits[k] = logits[k]! + d;
        });
        if (Math.abs(g.gradLogits[k]!) > 1e-6) nonzero++;
        expect(Math.abs(num - g.gradLogits[k]!)).toBeLessThan(1e-7 * Math.max(1, scale));
      }
      // Most logits move the loss (a test that cannot fail would pass with all-zero gradients).
      expect(nonzero).toBeGreaterThan(logits.length / 2);
      for (let k = 0; k < len; k += 5) {
        const nr = fd((d) => {
          tw.re[k] = tw.re[k]! + d;
        });
        const ni = fd((d) => {
          tw.im[k] = tw.im[k]! + d;
        });
        expect(Math.abs(nr - g.gradTwiddle.re[k]!)).toBeLessThan(1e-7 * Math.max(1, scale));
        expect(Math.abs(ni - g.gradTwiddle.im[k]!)).toBeLessThan(1e-7 * Math.max(1, scale));
      }
    });
  }
});

describe('butterflyTransformTarget', () => {
  it('matches fft, dct (ortho) and the Sylvester Hadamard on the basis vectors', () => {
    const n = 16;
    const F = butterflyTransformTarget('dft', n);
    const C = butterflyTransformTarget('dct', n);
    const H = butterflyTransformTarget('hadamard', n);
    for (let j = 0; j < n; j++) {
      const e = new Float64Array(n);
      e[j] = 1;
      const f = fft({ re: e, im: new Float64Array(n) });
      const c = dct(e, { norm: 'ortho' });
      for (let i = 0; i < n; i++) {
        expect(F.re.data[i * n + j]).toBeCloseTo(f.re[i]! / Math.sqrt(n), 13);
        expect(F.im.data[i * n + j]).toBeCloseTo(f.im[i]! / Math.sqrt(n), 13);
        expect(C.re.data[i * n + j]).toBeCloseTo(c[i]!, 13);
      }
    }
    // H H^T = I and entries +-1/sqrt(n) with H_ij sign (-1)^popcount(i & j).
    expect(H.re.data[3 * n + 5]).toBeCloseTo(-1 / 4, 15);
    expect(H.re.data[3 * n + 12]).toBeCloseTo(1 / 4, 15);
  });
});

describe('learnButterflyTransform', () => {
  it('recovers the 8-point DFT with a learned permutation in at least 2 of 3 seeds (rounded, then polished)', () => {
    const T = butterflyTransformTarget('dft', 8);
    let recovered = 0;
    for (const seed of [0, 1, 2]) {
      const res = learnButterflyTransform({ transform: 'dft', n: 8, steps: 2000, lr: 0.03, seed });
      // Rounding the relaxation loses the fit; polishing the twiddles with the hard permutation restores it.
      expect(res.hardLoss).toBeGreaterThan(res.relaxedLoss);
      if (res.polishedLoss < 1e-8) {
        recovered++;
        // The returned hard butterfly reproduces the target (independent dense evaluation).
        const M = butterflyToMatrix(res.butterfly);
        let err = 0;
        for (let k = 0; k < 64; k++) err = Math.max(err, Math.abs(M.re.data[k]! - T.re.data[k]!), Math.abs(M.im.data[k]! - T.im.data[k]!));
        expect(err).toBeLessThan(1e-3);
      }
    }
    expect(recovered).toBeGreaterThanOrEqual(2);
  });

  it('recovers the 8-point Hadamard with a learned permutation in at least 2 of 3 seeds', () => {
    let recovered = 0;
    for (const seed of [0, 1, 2]) {
      const res = learnButterflyTransform({ transform: 'hadamard', n: 8, steps: 2000, lr: 0.03, seed });
      expect(new Set(res.butterfly.perm).size).toBe(8);
      if (res.polishedLoss < 1e-8) recovered++;
    }
    expect(recovered).toBeGreaterThanOrEqual(2);
  });

  it('returns logits of the layout and model asked for; the DCT defaults to BPP', () => {
    const a = learnButterflyTransform({ transform: 'dft', n: 16, steps: 5, polishSteps: 0, logits: 'block' });
    expect(a.logits.length).toBe(3 * 7);
    expect(learnButterflyTransform({ transform: 'dft', n: 16, steps: 5, polishSteps: 0, logits: 'shared' }).logits.length).toBe(3);
    const b = learnButterflyTransform({ transform: 'dct', n: 16, steps: 5, polishSteps: 0 });
    expect(b.logits.length).toBe(3 * 3 + 3);
    const c = learnButterflyTransform({ transform: 'dct', n: 16, steps: 5, polishSteps: 0, model: 'BP', logits: 'block' });
    expect(c.logits.length).toBe(3 * 7);
    expect(new Set(b.butterfly.perm).size).toBe(16);
  });

  it('sharpen pushes the choices towards 0/1 (mean p (1 - p) at least halved) and leaves the reported loss alone', () => {
    const spread = (l: Float64Array) => {
      let acc = 0;
      for (const t of l) {
        const p = 1 / (1 + Math.exp(-t));
        acc += p * (1 - p);
      }
      return acc / l.length;
    };
    let plain = 0;
    let sharp = 0;
    for (const seed of [0, 1, 2]) {
      const a = learnButterflyTransform({ transform: 'hadamard', n: 16, steps: 1500, lr: 0.03, seed, polishSteps: 0 });
      const b = learnButterflyTransform({ transform: 'hadamard', n: 16, steps: 1500, lr: 0.03, seed, polishSteps: 0, sharpen: 1 });
      plain += spread(a.logits);
      sharp += spread(b.logits);
      // The penalty is not part of the reported loss.
      expect(b.losses[0]).toBe(a.losses[0]);
    }
    expect(sharp).toBeLessThan(0.5 * plain);
  });

  it('a random Gaussian target (the paper\'s control) is not recovered', () => {
    const n = 8;
    const r = rng(5);
    const s = 1 / Math.sqrt(2 * n);
    const target = {
      re: { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n), s) },
      im: { rows: n, cols: n, data: r.fillNormal(new Float64Array(n * n), s) },
    };
    const res = learnButterflyPermuted(target, { steps: 800, lr: 0.02, seed: 0 });
    expect(res.relaxedLoss).toBeGreaterThan(1e-3);
  });

  it('stops on abort with the steps done so far', () => {
    const ac = new AbortController();
    const res = learnButterflyTransform({
      transform: 'dft',
      n: 8,
      steps: 1000,
      signal: ac.signal,
      progressEvery: 5,
      onProgress: (p) => {
        if (p.step >= 10) ac.abort();
      },
    });
    expect(res.aborted).toBe(true);
    expect(res.stepsRun).toBe(10);
    expect(res.losses.length).toBe(11);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, signal: ac.signal })).toThrow(AbortError);
  });

  it('rejects bad input with typed errors', () => {
    expect(() => learnButterflyTransform({ transform: 'dft', n: 12 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 1 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 2 ** 14 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dst' as 'dft', n: 8 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, steps: -1 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, steps: 2 ** 30 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, seed: 1.5 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, lr: 0 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, stpes: 3 } as never)).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, logitInit: Number.NaN })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, logits: 'row' as 'level' })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, model: 'BPBP' as 'BP' })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, sharpen: -1 })).toThrow(DomainError);
    expect(() => learnButterflyTransform({ transform: 'dft', n: 8, sharpen: Number.NaN })).toThrow(DomainError);
    expect(() => learnButterflyTransform(null as never)).toThrow(DomainError);
    const bad = { re: { rows: 4, cols: 8, data: new Float64Array(32) }, im: { rows: 4, cols: 8, data: new Float64Array(32) } };
    expect(() => learnButterflyPermuted(bad)).toThrow(ShapeError);
    expect(() => butterflyTransformTarget('dft', 6)).toThrow(DomainError);
  });
});

describe('experiment: linalg/butterfly-learned-permutation', () => {
  it('quick run: DFT recovered at n = 8, 16, 32, Hadamard at n = 8, control not fit; sound result', async () => {
    const { butterflyLearnedPermutationExperiment } = await import('../src/experiments-entry');
    const { experimentResultProblems } = await import('@x/gpu/experiments');
    const partials: { plots?: { series: { y: number[] }[] }[] }[] = [];
    const res = await butterflyLearnedPermutationExperiment.run({ quick: true, seed: 0, onPartial: (p) => partials.push(p) });
    expect(experimentResultProblems(res)).toEqual([]);
    // Live results: one snapshot per finished cell, the per-size plot growing.
    expect(partials.length).toBeGreaterThanOrEqual(9);
    const points = (i: number) => (partials[i]!.plots?.[0]?.series ?? []).reduce((a, x) => a + x.y.length, 0);
    expect(points(partials.length - 1)).toBeGreaterThan(points(0));
    expect(res.ok).toBe(true);
    for (const n of [8, 16, 32]) expect(res.metrics![`dft n=${n} recovered trials`]).toBeGreaterThanOrEqual(1);
    expect(res.metrics!['dft largest recovered n']).toBe(32);
    expect(res.metrics!['hadamard n=8 recovered trials']).toBeGreaterThanOrEqual(1);
    expect(res.metrics!.controlLoss).toBeGreaterThan(1e-3);
    const ac = new AbortController();
    ac.abort();
    await expect(butterflyLearnedPermutationExperiment.run({ quick: true, signal: ac.signal })).rejects.toThrow(/aborted/);
  });
});
