/**
 * `@x/peft/experiments`: the package's experiments (and the helpers and data they use), for the
 * demo app, the headless runner and the benchmarks. Kept out of the main entry so that importing a
 * library function never bundles demo code.
 *
 * @packageDocumentation
 */
export { crossInitToy, evaVsPca, experiments, fedsvdNoise, householderDirections, orthoRegCrosstalk, paramEfficiency, pissaVsLora, sokaVsLora, svdFamilyVsLora } from './experiments';
