/**
 * @x/test-utils: the helpers the `@x` packages' tests share (private, never published).
 * Norm definitions: ./norms.ts; fixture layout and header: ./fixtures.ts.
 */
export { bitEqual, type Entries, entryRel, maxAbsDiff, mixedMax, relFro, relFroComplex, relMax } from './norms';
export { type ResumeCase, type ResumeResult, resumeCheck, type StatefulOptimizer, type TrainableModule, trainingCase } from './resume';
export { FIXTURE_NAME, type FixtureHeader, fixtureBytes, headerProblems, loadFixture } from './fixtures';
