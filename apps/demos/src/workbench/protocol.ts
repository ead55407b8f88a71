/** Messages between the Adapter workbench page and its worker (structured-cloneable). */

export interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
}

export interface OutFile {
  name: string;
  bytes: Uint8Array;
}

export type WorkbenchRequest =
  | { id: number; type: 'open'; file: Blob }
  | { id: number; type: 'spectrum'; name: string }
  | { id: number; type: 'pissa'; target: string[] | string; rank: number; alpha: number; niter?: number }
  | { id: number; type: 'merge'; config: string; weights: Blob }
  | { id: number; type: 'selftest' };

export type WorkbenchReply =
  | { id: number; type: 'progress'; done: number; total: number; message: string }
  | { id: number; type: 'opened'; tensors: TensorRow[]; metadata: Record<string, string>; fileSize: number }
  | { id: number; type: 'spectrum'; name: string; S: number[]; effectiveRank: number }
  | { id: number; type: 'files'; files: OutFile[]; summary: string }
  | { id: number; type: 'model'; bytes: Uint8Array }
  | { id: number; type: 'error'; message: string };
