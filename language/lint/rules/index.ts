/** Every lint rule, in the order `docs/lint.md` and SARIF list them. Adding a rule: a file here and a line below. */
import type { LintRule } from '../rule.ts';
import clauseNeedsDescription from './clause-needs-description.ts';
import deprecatedThreshold from './deprecated-threshold.ts';
import invalidIgnore from './invalid-ignore.ts';
import invariantAlwaysTrue from './invariant-always-true.ts';
import oneSidedShareBound from './one-sided-share-bound.ts';
import privateFieldOutput from './private-field-output.ts';
import redundantNonnegativeCheck from './redundant-nonnegative-check.ts';
import samplesBelowAssurance from './samples-below-assurance.ts';
import supersededCitation from './superseded-citation.ts';
import thresholdNeedsSource from './threshold-needs-source.ts';
import unboundClaimField from './unbound-claim-field.ts';
import unboundWeights from './unbound-weights.ts';
import unusedIgnore from './unused-ignore.ts';

export const RULES: readonly LintRule[] = [
  thresholdNeedsSource,
  deprecatedThreshold,
  supersededCitation,
  oneSidedShareBound,
  invariantAlwaysTrue,
  redundantNonnegativeCheck,
  samplesBelowAssurance,
  unboundClaimField,
  unboundWeights,
  privateFieldOutput,
  clauseNeedsDescription,
  invalidIgnore,
  unusedIgnore,
];
