/** FRI over the quartic extension: schedule, folding, prover and verifier (see each module's comment). */
export * from './schedule.ts';
export * from './fold.ts';
export * from './prover.ts';
export * from './verifier.ts';
export * as packed from './packed.ts';
