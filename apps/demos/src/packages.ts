/** The @x packages, in dependency order, as the home page lists them and their pages introduce them. */
export interface PackageEntry {
  /** npm name, e.g. `@x/gpu`. */
  name: string;
  /** Short name: the demo page is `pages/<slug>.html`. */
  slug: string;
  /** The page's headline, after the package name. */
  title: string;
  /** One or two sentences: what the package does (home card and page intro). */
  blurb: string;
  /** The papers whose claims the package implements and its experiments reproduce. */
  papers: readonly string[];
}

export const PACKAGES: readonly PackageEntry[] = [
  {
    name: '@x/gpu',
    slug: 'gpu',
    title: 'matrix multiply on WebGL2 and on the CPU',
    blurb: 'Matrix type, seeded RNG and compute kernels: a blocked CPU GEMM, a wasm SIMD device and a gpu.js device on WebGL2 / headless GL.',
    papers: [],
  },
  {
    name: '@x/linalg',
    slug: 'linalg',
    title: 'dense and structured linear algebra',
    blurb:
      'float64 linear algebra: QR, LU, Cholesky, eigensolvers, exact/truncated/randomized SVD, Kronecker SVD, FFT/DCT of any length, butterfly factorizations and frames.',
    papers: [
      'T. Dao, A. Gu, M. Eichhorn, A. Rudra, C. Ré. Learning Fast Algorithms for Linear Transforms Using Butterfly Factorizations. ICML 2019.',
      'Learning Without Augmenting ... via Frame Projections. NeurIPS 2025 (the unitary DFT, Gabor/STFT and Morlet views).',
      'G. H. Golub, C. F. Van Loan. Matrix Computations, 4th ed., 2013 (§8.6: the SVD vs the eigenvalues of AᵀA); G. Golub, W. Kahan. Calculating the singular values and pseudo-inverse of a matrix. 1965.',
      'N. Halko, P.-G. Martinsson, J. A. Tropp. Finding structure with randomness. SIAM Review 2011 (randomized SVD).',
      'C. F. Van Loan, N. Pitsianis. Approximation with Kronecker products. 1993 (Kronecker SVD).',
    ],
  },
  {
    name: '@x/nn',
    slug: 'nn',
    title: 'layers, losses and a training loop',
    blurb: 'Module interface with explicit forward/backward, Linear and activations, losses, finite-difference gradient checks, Adam/SGD and a seeded training loop with progress, cancel and resume.',
    papers: [
      'D. P. Kingma, J. Ba. Adam: A Method for Stochastic Optimization. ICLR 2015.',
      'X. Glorot, Y. Bengio. Understanding the difficulty of training deep feedforward neural networks. AISTATS 2010 (Xavier init).',
      'K. He, X. Zhang, S. Ren, J. Sun. Delving Deep into Rectifiers. ICCV 2015 (Kaiming init).',
      'D. Hendrycks, K. Gimpel. Gaussian Error Linear Units (GELUs). 2016.',
      'S. Elfwing, E. Uchibe, K. Doya. Sigmoid-weighted linear units (SiLU). Neural Networks 2018.',
    ],
  },
  {
    name: '@x/optim',
    slug: 'optim',
    title: 'matrix-aware optimizers',
    blurb:
      'Optimizers that treat weights as matrices (GaLore, the DCT optimizer, Muon, ARO) against SGD/AdamW, and the matrix-recovery solvers of two small-initialization theory papers (SubGM, over-parameterized matrix sensing).',
    papers: [
      'J. Zhao et al. GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection. ICML 2024.',
      'I.-V. Modoranu et al. The SVD-free DCT-basis optimizer. arXiv 2505.17967.',
      'K. Jordan et al. Muon (muon.py). 2024; J. Liu et al. Muon is Scalable for LLM Training (Moonlight). 2025.',
      'Gong et al. ARO (rotated optimizers). arXiv 2602.09006; Scetbon et al. SinkGD. 2025.',
      'J. Ma, S. Fattahi. Global convergence of sub-gradient method for robust matrix recovery: small initialization, noisy measurements, and over-parameterization (SubGM). arXiv 2202.08788.',
      'N. Xiong, L. Ding, S. S. Du. How Over-Parameterization Slows Down Gradient Descent in Matrix Sensing. ICLR 2024.',
    ],
  },
  {
    name: '@x/streaming',
    slug: 'streaming',
    title: 'streaming eigenvectors, SVDs and sketches',
    blurb: 'Streaming eigen-solvers (Oja, random-order), incremental SVD and PCA, Frequent Directions and concatenated-SVD error bounds, all checkpointable to JSON.',
    papers: [
      'P. Kacham, D. P. Woodruff. Approximating the Top Eigenvector in Random Order Streams. NeurIPS 2024.',
      'E. Oja. A simplified neuron model as a principal component analyzer. J. Math. Biology 1982; fixed-step form of E. Price, Z. Xun, FOCS 2024.',
      'E. Liberty. Simple and Deterministic Matrix Sketching. KDD 2013; M. Ghashami, E. Liberty, J. M. Phillips, D. P. Woodruff. Frequent Directions. SICOMP 2016.',
      'Shamrai. Concatenated SVD error bounds and block clustering. arXiv 2601.11626, 2026.',
      'D. A. Ross, J. Lim, R.-S. Lin, M.-H. Yang. Incremental Learning for Robust Visual Tracking. IJCV 2008 (incremental PCA); M. Brand. Incremental SVD. 2002/2006.',
    ],
  },
  {
    name: '@x/ssm',
    slug: 'ssm',
    title: 'state space models and linear RNNs',
    blurb: 'Diagonal state space models (S4D, S4D-LegS, DSS) with the PTD initialization, S5, DeltaNet/DeltaProduct with Householder products, and tensor attention.',
    papers: [
      'A. Gu, A. Gupta, K. Goel, C. Ré. On the Parameterization and Initialization of Diagonal State Space Models (S4D). NeurIPS 2022.',
      'A. Gupta, A. Gu, J. Berant. Diagonal State Spaces are as Effective as Structured State Spaces (DSS). NeurIPS 2022.',
      'A. Yu, A. Nigmetov, D. Morozov, M. W. Mahoney, N. B. Erichson. Robustifying State-space Models for Long Sequences via Approximate Diagonalization (PTD). ICLR 2024.',
      'J. T. H. Smith, A. Warrington, S. W. Linderman. Simplified State Space Layers for Sequence Modeling (S5). ICLR 2023.',
      'J. Siems et al. DeltaProduct: Improving State-Tracking in Linear RNNs via Householder Products. 2025.',
      'J. Alman, Z. Song. How to Capture Higher-order Correlations? Generalizing Matrix Softmax Attention to Kronecker Computation. ICLR 2024.',
    ],
  },
  {
    name: '@x/peft',
    slug: 'peft',
    title: 'parameter-efficient fine-tuning',
    blurb: 'SVD-based fine-tuning initializations from eleven papers (LoRA, PiSSA, LoRA-XS/SB, SVFit, LoLDU, EVA, FedSVD, OrthoReg, Cross Initialization, ...) as functions on @x matrices, with AdaptedLinear to train them.',
    papers: [
      'F. Meng, Z. Wang, M. Zhang. PiSSA: Principal Singular Values and Singular Vectors Adaptation of Large Language Models. 2024.',
      'E. J. Hu et al. LoRA: Low-Rank Adaptation of Large Language Models. 2021.',
      'K. Bałazy et al. LoRA-XS. 2024; K. Ponkshe et al. LoRA-SB. 2024; SVFit (arXiv 2409.05926); Y. Shi et al. LoLDU. 2024.',
      'F. Paischer et al. One Initialization to Rule them All: Explained Variance Adaptation (EVA). 2024.',
      'S. Lee et al. FedSVD: Adaptive Orthogonalization for Private Federated Learning with LoRA. 2025.',
      'OrthoReg: an orthogonality regularizer on the update (ΔWᵀΔW ≈ I) against task cross-talk when merging.',
      'X. Pang et al. Cross Initialization for Face Personalization of Text-to-Image Models. CVPR 2024.',
    ],
  },
  {
    name: '@x/inr',
    slug: 'inr',
    title: 'implicit neural representations and high-frequency fitting',
    blurb:
      "SIREN and WINNER's noise-perturbed init for high-frequency targets (on the demos' icons and a synthesized speech clip, against Fourier features), GR-KAN rational activations, spectral-mixture Gaussian processes, and learned eigenstructures of data manifolds.",
    papers: [
      'V. Sitzmann et al. Implicit Neural Representations with Periodic Activation Functions (SIREN). NeurIPS 2020.',
      'Spectral Bottleneck in Deep Neural Networks: Noise is All You Need (WINNER, the SIREN² reference code).',
      'M. Tancik et al. Fourier Features Let Networks Learn High Frequency Functions in Low Dimensional Domains. NeurIPS 2020 (the Fourier-feature baseline).',
      'X. Yang, X. Wang. Kolmogorov-Arnold Transformer (GR-KAN rational activations). 2024.',
      'Solving High Frequency and Multi-Scale PDEs with Gaussian Processes (GP-HM, spectral-mixture kernels); A. G. Wilson, R. P. Adams. Gaussian Process Kernels for Pattern Discovery and Extrapolation. ICML 2013.',
      'Learning Eigenstructures of Unstructured Data Manifolds (nested reconstruction loss); M. Belkin, P. Niyogi. Laplacian Eigenmaps. Neural Computation 2003.',
    ],
  },
  {
    name: '@x/graph-init',
    slug: 'graph-init',
    title: 'initialization for graph, hyperbolic and wide networks',
    blurb:
      'Sparse GCNs with Virgo variances, NNGP/NTK recursions against finite nets, Poincaré-ball layers with identity init, rich-vs-lazy tools, LoGAH\'s tiny graph hypernetwork and GAMP-RIE.',
    papers: [
      'J. Li et al. On the Initialization of Graph Neural Networks (Virgo). ICML 2023.',
      'G. Yang. Scaling Limits of Wide Neural Networks with Weight Sharing: Gaussian Process Behavior, Gradient Independence, and Neural Tangent Kernel Derivation. 2019.',
      'M. van Spengler, E. Berkhout, P. Mettes. Poincaré ResNet. ICCV 2023.',
      'Y. H. Liu et al. How connectivity structure shapes rich and lazy learning in neural circuits. ICLR 2024.',
      'X. Zhou, S. Kotyan, D. Vargas, B. Knyazev. LoGAH: Predicting 774-Million-Parameter Transformers using Graph HyperNetworks with 1/100 Parameters. 2024.',
      'A. Maillard, E. Troiani, S. Martin, F. Krzakala, L. Zdeborová. Bayes-optimal learning of an extensive-width neural network from quadratically many samples. 2024.',
    ],
  },
];

/** The entry of one package by slug (`'linalg'`). */
export function packageBySlug(slug: string): PackageEntry {
  const p = PACKAGES.find((x) => x.slug === slug);
  if (!p) throw new Error(`no package with slug "${slug}" in src/packages.ts`);
  return p;
}

/** Whether a package has a demo page in this build (pages/*.html found by vite.config.ts). */
export function hasPage(slug: string): boolean {
  return __DEMO_PAGES__.includes(slug);
}
