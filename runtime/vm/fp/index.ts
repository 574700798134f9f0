// The bit-exact floating-point reference of zpol's FP32/BF16 precompiles (see docs/fp.md).
export * from './f32.ts';
export * from './bf16.ts';
export * from './conformance.ts';
export * from './mma.ts';
