/** The run directory: format, tensor commitments, recorder and the reference trainer (docs/run.md). */
export * from './anchor.ts';
export * from './files.ts';
export * from './format.ts';
export * from './recorder.ts';
export * from './safetensors.ts';
export * from './tensor-commit.ts';
export * from './trainer.ts';
export * from './sampling.ts';
