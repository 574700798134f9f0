/**
 * Test file order: vitest runs files it has no timings for largest first, so on a fresh clone (CI's) the suite's
 * longest file — one real aggregation node proof through the CLI, minutes of the 2 cores — was scheduled last and
 * ran alone at the end. Files named here start first, in this order; everything else keeps vitest's own order.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The suite's longest files, longest first (CI on 2 cores: bash .ci/run's JSON report has each file's duration). */
export const LONGEST_FIRST = ['test/aggregate/run-proof.test.ts'];

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const i = LONGEST_FIRST.findIndex((name) => spec.moduleId.endsWith(name));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the files not listed keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
