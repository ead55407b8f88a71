/** The @x packages, in dependency order, as the home page lists them. */
export interface PackageEntry {
  /** npm name, e.g. `@x/gpu`. */
  name: string;
  /** Short name: the demo page is `pages/<slug>.html`. */
  slug: string;
  blurb: string;
}

export const PACKAGES: readonly PackageEntry[] = [
  {
    name: '@x/gpu',
    slug: 'gpu',
    blurb: 'Matrix type, seeded RNG and compute kernels: a blocked CPU GEMM and a gpu.js device on WebGL2 / headless GL.',
  },
  {
    name: '@x/linalg',
    slug: 'linalg',
    blurb: 'float64 linear algebra: QR, LU, Cholesky, eigensolvers, exact/truncated/randomized SVD, Kronecker SVD, FFT/DCT.',
  },
  { name: '@x/nn', slug: 'nn', blurb: 'Module interface, layers, losses, finite-difference gradient checks and a training loop.' },
  { name: '@x/optim', slug: 'optim', blurb: 'Matrix-aware optimizers over @x/linalg.' },
  { name: '@x/streaming', slug: 'streaming', blurb: 'Streaming eigen-solvers and incremental PCA.' },
  { name: '@x/ssm', slug: 'ssm', blurb: 'Diagonal state space models: recurrent and convolutional views of the same layer.' },
  { name: '@x/peft', slug: 'peft', blurb: 'SVD-based parameter-efficient fine-tuning initializations.' },
  { name: '@x/inr', slug: 'inr', blurb: 'Implicit neural representations (SIREN-style networks) and their initializations.' },
  { name: '@x/graph-init', slug: 'graph-init', blurb: 'Initialization schemes for graph neural networks.' },
];

/** Whether a package has a demo page in this build (pages/*.html found by vite.config.ts). */
export function hasPage(slug: string): boolean {
  return __DEMO_PAGES__.includes(slug);
}
