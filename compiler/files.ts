/**
 * Atomic file writes (temporary file, fsync, rename): one implementation, in runtime/run/files.ts.
 */
export { writeFileAtomic } from '../runtime/run/files.ts';
