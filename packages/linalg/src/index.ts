export * from './dense';
export * from './structured';
export { experiments } from './experiments';
