import { matrix } from '@x/gpu';

export const mat = (rows: number, cols: number, data: number[]) => matrix(rows, cols, data);
