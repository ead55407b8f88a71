export * from './dense';
export * from './structured';
