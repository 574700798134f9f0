/** The polynomial commitment scheme: the interface (types.ts), the FRI PCS, its proof encoding and security. */
export type * from './types.ts';
export * from './fri-pcs.ts';
export * from './codec.ts';
export * from './security.ts';
export * from './validate.ts';
