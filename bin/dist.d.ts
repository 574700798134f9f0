// Types of bin/dist.js (plain JavaScript: bin/run.js loads it before any TypeScript loader exists).
export interface SourceRecord {
  size: number;
  mtimeMs: number;
  sha256: string;
}
export declare const MANIFEST_FILE: string;
export declare function buildInputs(root: string, dirs: readonly string[], configs: readonly string[]): string[];
export declare function snapshot(root: string, files: readonly string[]): Record<string, SourceRecord>;
export declare function isFresh(root: string, distDir: string): boolean;
