import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError, eye, frobeniusNorm, matmul, matrix, randn, ShapeError, sub } from '@x/gpu';
import { kron, svd, svdvals } from '@x/linalg';
import {
  dareMerge,
  elbowRank,
  energyRank,
  fedsvdReorthogonalize,
  fedsvdRound,
  loraInit,
  loraSbInit,
  loraXsInit,
  lolduInit,
  orthoRegLoss,
  pissaInit,
  pissaToLora,
  sokaInit,
  sorsaInit,
  sorsaRegularizer,
  svdMergeAdapters,
  svfitInit,
  taskArithmetic,
  tiesMerge,
} from '../src';
import fx from './fixtures/inits-reference.json';
import { mat } from './helpers';
import { relFro } from '@x/test-utils';

const scaled = (m: ReturnType<typeof matmul>, s: number) => ({ rows: m.rows, cols: m.cols, data: m.data.map((v) => v * s) });

describe('pissaInit', () => {
  const p = fx.pissa;
  const W = mat(p.rows, p.cols, p.W);

  it('matches numpy: s B A and the residual (sign-invariant)', () => {
    const r = pissaInit(W, p.r, { alpha: p.alpha });
    expect(r.scale).toBe(p.alpha / p.r);
    expect(relFro(scaled(matmul(r.B, r.A), r.scale), mat(p.rows, p.cols, p.sBA))).toBeLessThan(1e-12);
    expect(relFro(r.Wres, mat(p.rows, p.cols, p.Wres))).toBeLessThan(1e-12);
  });

  it('Wres + s B A == W to rounding; ‖Wres‖₂ = σ_{r+1}; B A is the best rank-r part', () => {
    const r = pissaInit(W, p.r, { alpha: p.alpha });
    const merged = matmul(r.B, r.A);
    for (let i = 0; i < merged.data.length; i++) merged.data[i] = r.Wres.data[i]! + r.scale * merged.data[i]!;
    expect(frobeniusNorm(sub(merged, W))).toBeLessThan(1e-14 * frobeniusNorm(W));
    expect(svdvals(r.Wres)[0]).toBeCloseTo(p.S[p.r]!, 12);
  });

  it('fast init (niter) keeps the merge exact and approaches the exact part on a decaying spectrum', () => {
    // The spec measured rank-16 errors 1.6e-1 / 8.4e-3 / 2.0e-3 at niter 0 / 2 / 4 for σ_i = 0.85^i.
    const exact = pissaInit(W, p.r);
    const errs = [0, 2, 16].map((niter) => {
      const f = pissaInit(W, p.r, { niter, seed: 1 });
      const merged = matmul(f.B, f.A);
      for (let i = 0; i < merged.data.length; i++) merged.data[i] = f.Wres.data[i]! + merged.data[i]!;
      expect(frobeniusNorm(sub(merged, W))).toBeLessThan(1e-13 * frobeniusNorm(W));
      return relFro(matmul(f.B, f.A), matmul(exact.B, exact.A));
    });
    expect(errs[1]!).toBeLessThan(errs[0]! + 1e-15);
    // Subspace iteration converges like (σ_{r+1}/σ_r)^(2 niter + 1) = 0.6^33 ≈ 5e-8 here, times
    // a constant from the random start; 1e-5 leaves room for that constant.
    expect(errs[2]!).toBeLessThan(1e-5);
  });

  it('export to a rank-2r LoRA adapter reproduces the trained model on the original W', () => {
    const init = pissaInit(W, p.r, { alpha: p.alpha });
    const trained = { A: randn(p.r, p.cols, 3), B: randn(p.rows, p.r, 4) };
    const lora = pissaToLora(trained, init);
    expect(lora.A.rows).toBe(2 * p.r);
    const viaLora = matmul(lora.B, lora.A);
    const viaPissa = matmul(trained.B, trained.A);
    for (let i = 0; i < viaLora.data.length; i++) {
      viaLora.data[i] = W.data[i]! + lora.scale * viaLora.data[i]!;
      viaPissa.data[i] = init.Wres.data[i]! + init.scale * viaPissa.data[i]!;
    }
    expect(relFro(viaLora, viaPissa)).toBeLessThan(1e-14);
  });

  it('rejects bad input with typed errors', () => {
    expect(() => pissaInit(W, 9)).toThrow(DomainError);
    expect(() => pissaInit(W, 0)).toThrow(/rank must be an integer in \[1, 8\] for a \d+x\d+ matrix, got 0/);
    expect(() => pissaInit(matrix(2, 2, [1, Number.NaN, 0, 1]), 1)).toThrow(/NaN/);
    expect(() => pissaInit(W, 2, { alpha: -1 })).toThrow(/alpha/);
    expect(() => pissaInit({ rows: 2, cols: 2, data: new Float64Array(3) }, 1)).toThrow(ShapeError);
    expect(() => pissaInit(W, 2, { niter: -1 })).toThrow(DomainError);
  });
});

describe('LoRA, SVFit, SORSA, LoRA-XS', () => {
  const W = randn(10, 7, 11);

  it('loraInit: B = 0, A within the Kaiming-uniform bound, rsLoRA scale', () => {
    const l = loraInit(W, 4, { alpha: 8, seed: 1 });
    expect(l.scale).toBe(2);
    expect(loraInit(W, 4, { alpha: 8, rslora: true }).scale).toBe(4);
    expect(l.B.data.every((v) => v === 0)).toBe(true);
    expect(Math.max(...l.A.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(7));
    expect(new Set(l.A.data).size).toBe(28);
  });

  it('svfitInit: merge equals W; sigma are the top singular values', () => {
    const f = svfitInit(W, 3);
    const d = matmul(f.U, f.V, { transB: true });
    for (let i = 0; i < 3; i++) expect(f.sigma[i]).toBeCloseTo(svdvals(W)[i]!, 12);
    const merged = matmul(matrix(10, 3, f.U.data.map((v, i) => v * f.sigma[i % 3]!)), f.V, { transB: true });
    for (let i = 0; i < merged.data.length; i++) merged.data[i]! += f.Wres.data[i]!;
    expect(relFro(merged, W)).toBeLessThan(1e-13);
    expect(d.rows).toBe(10);
  });

  it('sorsaInit: orthonormal factors, exact merge, scale 1 by default', () => {
    const f = sorsaInit(W, 3);
    expect(f.scale).toBe(1);
    expect(relFro(matmul(f.A, f.A, { transB: true }), eye(3))).toBeLessThan(1e-13);
    expect(relFro(matmul(f.B, f.B, { transA: true }), eye(3))).toBeLessThan(1e-13);
    const merged = matmul(matrix(10, 3, f.B.data.map((v, i) => v * f.S[i % 3]!)), f.A);
    for (let i = 0; i < merged.data.length; i++) merged.data[i]! += f.Wres.data[i]!;
    expect(relFro(merged, W)).toBeLessThan(1e-13);
    // At init the regularizer vanishes (the spec measured 8e-15).
    expect(sorsaRegularizer(f.A, f.B).value).toBeLessThan(1e-13);
  });

  it('sorsaRegularizer matches numpy in both forms and its gradients match finite differences', () => {
    const s = fx.sorsa_reg;
    const A = mat(3, 8, s.A);
    const B = mat(6, 3, s.B);
    expect(sorsaRegularizer(A, B).value).toBeCloseTo(s.unsquared, 12);
    const sq = sorsaRegularizer(A, B, { squared: true });
    expect(sq.value).toBeCloseTo(s.squared, 12);
    expect(relFro(sq.gradA, mat(3, 8, s.gradA_squared))).toBeLessThan(1e-13);
    for (const squared of [false, true]) {
      const g = sorsaRegularizer(A, B, { squared });
      for (const [X, grad] of [
        [A, g.gradA],
        [B, g.gradB],
      ] as const) {
        for (let i = 0; i < X.data.length; i += 3) {
          const h = 1e-6;
          const old = X.data[i]!;
          X.data[i] = old + h;
          const up = sorsaRegularizer(A, B, { squared }).value;
          X.data[i] = old - h;
          const dn = sorsaRegularizer(A, B, { squared }).value;
          X.data[i] = old;
          expect(grad.data[i]).toBeCloseTo((up - dn) / (2 * h), 6);
        }
      }
    }
  });

  it('loraXsInit: B orthonormal, A = S_r V_rᵀ, B A is the best rank-r approximation', () => {
    const f = loraXsInit(W, 3, { seed: 2 });
    expect(relFro(matmul(f.B, f.B, { transA: true }), eye(3))).toBeLessThan(1e-13);
    const ba = matmul(f.B, f.A);
    const tail = svdvals(W).slice(3).reduce((s, v) => s + v * v, 0);
    expect(frobeniusNorm(sub(W, ba)) ** 2).toBeCloseTo(tail, 10);
    expect(Math.max(...f.R.data.map(Math.abs))).toBeLessThan(1e-4);
  });
});

describe('loraSbInit', () => {
  const s = fx.lorasb;
  const G = mat(s.rows, s.cols, s.G);

  it('exact: B R A is the Eckart-Young optimum of -η sign(G) (numpy) with ‖BRA - ΔW₁‖² = tail', () => {
    const f = loraSbInit(G, s.r, { eta: s.eta, exact: true });
    const bra = matmul(matmul(f.B, f.R), f.A);
    expect(relFro(bra, mat(s.rows, s.cols, s.BRA))).toBeLessThan(1e-12);
    expect(frobeniusNorm(sub(bra, f.deltaW1)) ** 2).toBeCloseTo(s.tail, 14);
  });

  it('randomized (reference: niter 10, no oversampling) reaches the same optimum; gradient map is P_B G P_A', () => {
    const f = loraSbInit(G, s.r, { eta: s.eta });
    const bra = matmul(matmul(f.B, f.R), f.A);
    // Eckart-Young: no rank-r matrix beats the tail. The sign matrix's spectrum is flat, so 10
    // power iterations without oversampling stop a little short (measured 0.3% above the tail).
    const err2 = frobeniusNorm(sub(bra, f.deltaW1)) ** 2;
    expect(err2).toBeGreaterThanOrEqual(s.tail * (1 - 1e-12));
    expect(err2).toBeLessThan(s.tail * 1.02);
    // dL/dR = Bᵀ G Aᵀ, so the equivalent full update B (Bᵀ G Aᵀ) A has norm <= ‖G‖.
    const gR = matmul(matmul(f.B, G, { transA: true }), f.A, { transB: true });
    const full = matmul(matmul(f.B, gR), f.A);
    expect(frobeniusNorm(full)).toBeLessThanOrEqual(frobeniusNorm(G) * (1 + 1e-12));
    expect(() => loraSbInit(G, 2, { eta: 0 })).toThrow(/eta/);
  });
});

describe('lolduInit', () => {
  const l = fx.loldu;
  const W = mat(l.rows, l.cols, l.W);

  it("matches scipy.linalg.lu's convention: P, L_r, U'_r, z, residual", () => {
    const f = lolduInit(W, l.r, { alpha: l.r });
    expect(relFro(f.P, mat(l.rows, l.rows, l.P))).toBe(0);
    expect(relFro(f.L, mat(l.rows, l.r, l.L))).toBeLessThan(1e-13);
    expect(relFro(f.U, mat(l.r, l.cols, l.U))).toBeLessThan(1e-13);
    expect(relFro(mat(1, l.r, Array.from(f.z)), mat(1, l.r, l.z))).toBeLessThan(1e-13);
    expect(relFro(f.Wres, mat(l.rows, l.cols, l.Wres))).toBeLessThan(1e-12);
  });

  it('singular leading pivots are a clear DomainError', () => {
    expect(() => lolduInit(matrix(3, 3), 1)).toThrow(/pivot D\[0\] is 0/);
  });
});

describe('sokaInit', () => {
  const s = fx.soka;
  const W = mat(s.shapeA[0]! * s.shapeB[0]!, s.shapeA[1]! * s.shapeB[1]!, s.W);
  const shA = s.shapeA as [number, number];
  const shB = s.shapeB as [number, number];

  it('Kronecker spectrum matches numpy; the residual energy is the spectrum tail; merge is exact', () => {
    for (const K of [1, 2, 4]) {
      const f = sokaInit(W, shA, shB, { k: K });
      for (let i = 0; i < s.sigma.length; i++) expect(f.sigma[i]).toBeCloseTo(s.sigma[i]!, 12);
      const tail = s.sigma.slice(K).reduce((a, v) => a + v * v, 0);
      expect(frobeniusNorm(f.Wres) ** 2).toBeCloseTo(tail, 11);
      const merged = matrix(W.rows, W.cols, f.Wres.data);
      for (let k = 0; k < K; k++) {
        const t = kron(f.A[k]!, f.B[k]!);
        for (let i = 0; i < t.data.length; i++) merged.data[i]! += t.data[i]!;
      }
      expect(relFro(merged, W)).toBeLessThan(1e-13);
    }
  });

  it('the energy rank is scale-invariant: σ times 2^±600 (σ² over- or underflows) keeps the rank', () => {
    const sigma = [5, 3, 2, 1, 0.5, 0.1];
    for (const tau of [0.5, 0.8, 0.9, 0.97, 0.99, 0.9999, 1]) {
      const want = energyRank(sigma, tau);
      for (const s of [2 ** 600, 2 ** -600, 2 ** 1000 / 8, 2 ** -1000]) expect(energyRank(sigma.map((v) => v * s), tau), `τ = ${tau}, × ${s}`).toBe(want);
    }
    expect(energyRank([0, 0, 0], 0.9)).toBe(1);
    // svfitInit's { energy } rule picks the same rank for W and 2^600 W.
    const Wb = { rows: W.rows, cols: W.cols, data: W.data.map((v) => v * 2 ** 600) };
    expect(svfitInit(Wb, { energy: 0.9 }).sigma.length).toBe(svfitInit(W, { energy: 0.9 }).sigma.length);
  });

  it('energy and elbow rank rules', () => {
    expect(energyRank([3, 4], 0.64)).toBe(2);
    expect(energyRank([4, 3], 0.64)).toBe(1);
    expect(elbowRank([10, 9, 1, 0.9, 0.8])).toBe(3);
    expect(sokaInit(W, shA, shB, { energy: 1 }).K).toBe(s.sigma.length);
    expect(() => sokaInit(W, [2, 2], shB, { k: 1 })).toThrow(ShapeError);
    expect(() => sokaInit(W, shA, shB)).toThrow(/give k, energy or elbow/);
  });
});

describe('FedSVD', () => {
  const f = fx.fedsvd;
  const B = mat(f.out, f.r, f.B);
  const A = mat(f.r, f.in, f.A);

  it('keeps B A, makes A Aᵀ = I, and A spans the top right singular subspace (numpy projector)', () => {
    const r = fedsvdReorthogonalize(B, A);
    expect(relFro(matmul(r.B, r.A), matmul(B, A))).toBeLessThan(1e-13);
    expect(relFro(matmul(r.A, r.A, { transB: true }), eye(f.r))).toBeLessThan(1e-13);
    expect(relFro(matmul(r.A, r.A, { transA: true }), mat(f.in, f.in, f.projector))).toBeLessThan(1e-12);
  });

  it('a server round averages client Bs (weighted) before re-orthogonalizing; noise is seeded', () => {
    const Bs = [randn(f.out, f.r, 1), randn(f.out, f.r, 2)];
    const r = fedsvdRound(A, Bs, { weights: [1, 3] });
    const avg = matrix(f.out, f.r, Bs[0]!.data.map((v, i) => 0.25 * v + 0.75 * Bs[1]!.data[i]!));
    expect(relFro(matmul(r.B, r.A), matmul(avg, A))).toBeLessThan(1e-13);
    const n1 = fedsvdRound(A, Bs, { noiseStd: 0.1, seed: 5 });
    const n2 = fedsvdRound(A, Bs, { noiseStd: 0.1, seed: 5 });
    expect(Array.from(n1.B.data)).toEqual(Array.from(n2.B.data));
    expect(() => fedsvdReorthogonalize(B, randn(2, f.in, 1))).toThrow(ShapeError);
  });
});

describe('OrthoReg and merging', () => {
  it('orthoRegLoss uses the smaller Gram and its gradient matches finite differences', () => {
    for (const [m, n] of [
      [6, 4],
      [3, 7],
    ] as const) {
      const D = randn(m, n, m * 10 + n);
      const k = Math.min(m, n);
      const gram = m < n ? matmul(D, D, { transB: true }) : matmul(D, D, { transA: true });
      expect(orthoRegLoss(D).value).toBeCloseTo(frobeniusNorm(sub(gram, eye(k))), 12);
      const g = orthoRegLoss(D).grad;
      for (let i = 0; i < D.data.length; i += 2) {
        const h = 1e-6;
        const old = D.data[i]!;
        D.data[i] = old + h;
        const up = orthoRegLoss(D).value;
        D.data[i] = old - h;
        const dn = orthoRegLoss(D).value;
        D.data[i] = old;
        expect(g.data[i]).toBeCloseTo((up - dn) / (2 * h), 6);
      }
    }
  });

  it('TIES matches the numpy reference', () => {
    const t = fx.ties;
    const taus = t.taus.map((d) => mat(t.rows, t.cols, d));
    expect(relFro(tiesMerge(taus, { density: t.density, weights: t.weights }), mat(t.rows, t.cols, t.merged))).toBeLessThan(1e-14);
  });

  it('DARE keeps about `density` of the entries, rescaled, and is unbiased on average', () => {
    const tau = randn(40, 50, 3);
    const once = dareMerge([tau], { density: 0.3, seed: 1 });
    const kept = once.data.filter((v) => v !== 0).length;
    expect(Math.abs(kept / 2000 - 0.3)).toBeLessThan(0.05);
    once.data.forEach((v, i) => {
      if (v !== 0) expect(v).toBeCloseTo(tau.data[i]! / 0.3, 12);
    });
    const runs = Array.from({ length: 200 }, (_, s) => dareMerge([tau], { density: 0.5, seed: s }));
    const mean = taskArithmetic(runs, runs.map(() => 1 / 200));
    expect(relFro(mean, tau)).toBeLessThan(0.15);
    expect(Array.from(dareMerge([tau], { density: 0.3, seed: 1 }).data)).toEqual(Array.from(once.data));
  });

  it('svdMergeAdapters is the best rank-k approximation of the weighted sum', () => {
    const ad = [
      { A: randn(2, 9, 1), B: randn(8, 2, 2), scale: 2 },
      { A: randn(3, 9, 3), B: randn(8, 3, 4), scale: 0.5 },
    ];
    const m = svdMergeAdapters(ad, { weights: [1, -1] });
    expect(m.A.rows).toBe(3);
    const sum = sub(scaled(matmul(ad[0]!.B, ad[0]!.A), 2), scaled(matmul(ad[1]!.B, ad[1]!.A), 0.5));
    const s = svd(sum).S;
    const tail = s.slice(3).reduce((a, v) => a + v * v, 0);
    expect(frobeniusNorm(sub(matmul(m.B, m.A), sum)) ** 2).toBeCloseTo(tail, 10);
  });

  it('taskArithmetic is linear (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (a, b) => {
        const t1 = randn(3, 4, 1);
        const t2 = randn(3, 4, 2);
        const m = taskArithmetic([t1, t2], [a, b]);
        for (let i = 0; i < 12; i++) expect(m.data[i]).toBeCloseTo(a * t1.data[i]! + b * t2.data[i]!, 12);
      }),
      { numRuns: 30 },
    );
  });
});
