import { checkAlloc, checkBoolean, checkInt, checkNumber, checkOptions, checkSize } from '@x/gpu/checks';
import { assertMatrix, DomainError, type Matrix, ShapeError } from '@x/gpu';

/**
 * Slices node t's predicted ck x ck matrix (row t of {@link LowRankDecoder.forward}'s output) to
 * the layer's `out x in` shape (LoGAH step 4; spec §6a). For sides beyond ck the block is tiled
 * (GHN-3's fallback), so prefer ck >= the widest layer.
 */
export function predictWeight(decoded: Matrix, node: number, maxSide: number, out: number, inF: number): Matrix<Float64Array> {
  const fn = 'predictWeight';
  assertMatrix(fn, 'decoded', decoded);
  checkSize(fn, 'maxSide', maxSide, 1);
  checkInt(fn, 'node', node);
  checkSize(fn, 'out', out, 1);
  checkSize(fn, 'inF', inF, 1);
  checkAlloc(fn, 'the weight', out, inF);
  if (decoded.cols !== maxSide * maxSide) throw new ShapeError(`predictWeight: decoded rows have ${decoded.cols} entries, expected ${maxSide}² = ${maxSide * maxSide}`);
  if (!(node >= 0 && node < decoded.rows)) throw new DomainError(`predictWeight: node ${node} outside [0, ${decoded.rows})`);
  const w = new Float64Array(out * inF);
  const o = node * maxSide * maxSide;
  for (let i = 0; i < out; i++) for (let j = 0; j < inF; j++) w[i * inF + j] = decoded.data[o + (i % maxSide) * maxSide + (j % maxSide)]!;
  return { rows: out, cols: inF, data: w };
}

/**
 * GHN-3's way to reach larger layers (Knyazev et al., "Can We Scale Transformers to Predict
 * Parameters of Diverse ImageNet Models?", ICML 2023; spec §6a): a fixed s_out x s_in block is
 * repeated (`W[i][j] = block[i mod s_out][j mod s_in]`), so rows and columns repeat with period s.
 */
export function tileWeight(block: Matrix, out: number, inF: number): Matrix<Float64Array> {
  assertMatrix('tileWeight', 'block', block);
  if (!Number.isInteger(out) || !Number.isInteger(inF) || out < 1 || inF < 1) throw new DomainError(`tileWeight: target shape must be positive integers, got ${out} x ${inF}`);
  checkAlloc('tileWeight', 'the weight', out, inF);
  if (block.rows < 1 || block.cols < 1) throw new ShapeError(`tileWeight: block is ${block.rows}x${block.cols}; it must not be empty`);
  const w = new Float64Array(out * inF);
  for (let i = 0; i < out; i++) for (let j = 0; j < inF; j++) w[i * inF + j] = block.data[(i % block.rows) * block.cols + (j % block.cols)]!;
  return { rows: out, cols: inF, data: w };
}

/**
 * Fan-in normalisation of predicted weights, `W·√(β/fan_in)` with β = 2 for layers followed by a
 * ReLU and β = 1 otherwise (LoGAH / GHN-3 reference code; spec §6a). Returns a new matrix.
 */
export function fanInNormalize(W: Matrix, opts: { relu?: boolean; fanIn?: number } = {}): Matrix<Float64Array> {
  const fn = 'fanInNormalize';
  assertMatrix(fn, 'W', W);
  checkOptions(fn, opts, ['relu', 'fanIn']);
  const fanIn = checkSize(fn, 'fanIn', opts.fanIn ?? W.cols, 1);
  const relu = checkBoolean(fn, 'relu', opts.relu ?? true);
  const s = Math.sqrt((relu ? 2 : 1) / fanIn);
  const out = new Float64Array(W.data.length);
  for (let i = 0; i < out.length; i++) out[i] = W.data[i]! * s;
  return { rows: W.rows, cols: W.cols, data: out };
}

/** Squashing of predicted 1-D parameters (spec §6a): norm weights `2σ(0.5p)`, biases `tanh(0.2p)`. */
export function squashNormWeight(p: number): number {
  checkNumber('squashNormWeight', 'p', p);
  return 2 / (1 + Math.exp(-0.5 * p));
}

/** Bias squashing `tanh(0.2p)` (spec §6a). */
export function squashBias(p: number): number {
  checkNumber('squashBias', 'p', p);
  return Math.tanh(0.2 * p);
}
