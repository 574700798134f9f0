// Types of gpu/build-cuda.mjs (plain JavaScript: it runs at install, before TypeScript is available).
export declare const CUDA_DIR: string;
export declare const CUDA_LIBRARY: string;
export declare const NVCC_FLAGS: readonly string[];
export declare function findNvcc(): string;
export declare function cudaSources(): { kernels: string[]; all: string[] };
export declare function buildCuda(): { ok: boolean; built: boolean; message: string };
