import type { Matrix } from '@x/gpu';
import { checkAlloc } from '@x/gpu/checks';
import { checkSizes } from '../internal/checks';

/** The computation graph of a ReLU MLP, as the tiny graph hypernetwork reads it. */
export interface MlpGraph {
  /** Layer widths [in, hidden..., out]. */
  widths: number[];
  /** Node features, nodes x 6: one-hot op (input, linear, bias, relu) then (fan_in, fan_out)/64. */
  features: Matrix<Float64Array>;
  /** Row-normalised adjacency (mean over neighbours), nodes x nodes, undirected chain. */
  meanAdj: Matrix<Float64Array>;
  /** Node index of each linear layer's weight, in layer order. */
  linearNodes: number[];
}

/** Number of node features of {@link mlpGraph}. */
export const MLP_GRAPH_FEATURES = 6;

/**
 * Builds the op graph of an MLP `Linear → bias → ReLU → … → Linear → bias` (nodes = the input
 * and each linear, bias and ReLU op; edges follow the data flow, used undirected), with node
 * features one-hot(op) + (fan_in, fan_out)/64 (spec §6d, as in GHN-2/3's computation graphs).
 */
export function mlpGraph(widths: readonly number[]): MlpGraph {
  checkSizes('mlpGraph', 'widths', widths, 1, 2);
  checkAlloc('mlpGraph', 'the adjacency', 3 * widths.length, 3 * widths.length);
  const rows: number[][] = [[1, 0, 0, 0, widths[0]! / 64, widths[0]! / 64]];
  const linearNodes: number[] = [];
  const L = widths.length - 1;
  for (let l = 0; l < L; l++) {
    const fin = widths[l]! / 64;
    const fout = widths[l + 1]! / 64;
    linearNodes.push(rows.length);
    rows.push([0, 1, 0, 0, fin, fout]);
    rows.push([0, 0, 1, 0, fout, fout]);
    if (l < L - 1) rows.push([0, 0, 0, 1, fout, fout]);
  }
  const n = rows.length;
  const features = { rows: n, cols: MLP_GRAPH_FEATURES, data: Float64Array.from(rows.flat()) };
  const adj = new Float64Array(n * n);
  for (let i = 0; i + 1 < n; i++) {
    adj[i * n + i + 1] = 1;
    adj[(i + 1) * n + i] = 1;
  }
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < n; j++) d += adj[i * n + j]!;
    for (let j = 0; j < n; j++) adj[i * n + j]! /= d;
  }
  return { widths: [...widths], features, meanAdj: { rows: n, cols: n, data: adj }, linearNodes };
}
