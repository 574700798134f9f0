/**
 * What the zkVM's instructions compute, for code that targets the machine without running it: the compiler folds
 * constants with exactly these functions (compiler/passes.ts), so folding can never disagree with execution, and
 * its reference interpreter compares floats as the machine does. It is part of the ISA's description, with isa.ts,
 * program.ts and word.ts; the executor and the chips implement and prove the same functions.
 *
 *   add, sub, mul, scale, eq   arithmetic in F_p, p = 2^31 − 2^27 + 1 (BabyBear)
 *   hash                       Poseidon2's 2-to-1 compression
 *   wide                       128- and 32-bit integer operations that trap on overflow
 *   advice                     div, mod, gcd, modInverse on integers
 *   mac, tobf16                the bf16/f32 reference arithmetic (runtime/fp/bf16.ts, runtime/fp/f32.ts)
 */
export { P, add as fieldAdd, mul as fieldMul, sub as fieldSub } from '../proof/field/babybear.ts';
export { compressPair } from '../proof/hash/poseidon2.ts';
export { wideExecute } from './chips/wide.ts';
export { adviceValue } from './executor.ts';
export { bf16ToF32 } from '../fp/bf16.ts';
export { eqF32 } from '../fp/f32.ts';
