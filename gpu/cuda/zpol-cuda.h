// The C interface of zpol's CUDA library (gpu/cuda, built by gpu/build.mjs into gpu/build/zpol_cuda.so): every
// entry returns a cudaError_t as an int (0 = success), so a caller without a GPU or driver learns why
// (zpol_cuda_error_name) instead of crashing. The native addon loads it at run time (gpu/native/cuda-loader.cc);
// entries named *_device take device pointers and a stream and only enqueue work, the others take host memory and
// return when the result is there. Each has the one result of the TypeScript reference named beside it.
#pragma once
#include <cstdint>

#ifndef __CUDACC__
struct CUstream_st;
typedef CUstream_st* cudaStream_t;
#endif

enum { ZPOL_CUDA_NTT = 0, ZPOL_CUDA_INTT = 1, ZPOL_CUDA_COSET_NTT = 2, ZPOL_CUDA_COSET_INTT = 3 };
enum { ZPOL_CUDA_BLAKE3 = 0, ZPOL_CUDA_POSEIDON2 = 1 };

extern "C" {
/** The number of CUDA devices, and the error that stopped counting them (cudaErrorInsufficientDriver, cudaErrorNoDevice). */
int zpol_cuda_device_count(int* count);
const char* zpol_cuda_error_name(int error);
/** Device 0's name into out (NUL-terminated, at most size bytes). */
int zpol_cuda_device_name(char* out, int size);

/** field/ntt.ts nttColumns / inttColumns / cosetNttColumns / cosetInttColumns (kind) on n x width, in place. */
int zpol_cuda_ntt(uint32_t* values, uint64_t n, uint64_t width, int kind, uint32_t shift);
/** The forward NTT on device memory (values and scratch n x width words each), synchronous. */
int zpol_cuda_ntt_device(uint32_t* values, uint32_t* scratch, uint64_t n, uint64_t width);
/** field/ntt.ts cosetLdeColumns: n x width evaluations on H_n -> (n << log_blowup) x width on shift * H. */
int zpol_cuda_coset_lde(const uint32_t* values, uint64_t n, uint64_t width, int log_blowup, uint32_t shift, uint32_t* out);

/**
 * merkle/tree.ts: every layer (leaves first, (2 height - 1) * 8 words) of the tree over `height` rows (a power of
 * two), leaf i's message salts row i then row i of each matrix. BLAKE3 takes the leaf and node keys; Poseidon2 none.
 */
int zpol_cuda_merkle_layers(int hasher, const uint32_t* const* matrices, const uint64_t* widths, uint32_t count, const uint32_t* salts, uint64_t salt_width,
                            uint64_t height, const uint32_t* leaf_key, const uint32_t* node_key, uint32_t* layers);
/** The leaf layer alone (8 * height words), for any height: the mixed-height trees of merkle/mixed.ts. */
int zpol_cuda_merkle_leaves(int hasher, const uint32_t* const* matrices, const uint64_t* widths, uint32_t count, const uint32_t* salts, uint64_t salt_width,
                            uint64_t height, const uint32_t* leaf_key, uint32_t* leaves);
/** One level: node j of the n out hashes digests 2j and 2j + 1 of below (16 n words). */
int zpol_cuda_merkle_nodes(int hasher, const uint32_t* node_key, const uint32_t* below, uint64_t n, uint32_t* out);
/** The per-layer primitives: leaf digests of `height` messages of row_len words, and the layer above n nodes. */
int zpol_cuda_merkle_leaves_device(int hasher, const uint32_t* leaf_key, const uint32_t* messages, uint64_t height, uint64_t row_len, uint32_t* leaves, cudaStream_t stream);
int zpol_cuda_merkle_layer_device(int hasher, const uint32_t* node_key, const uint32_t* below, uint64_t n, uint32_t* out, cudaStream_t stream);

/**
 * stark/prover.ts quotient (the native backend's evaluateQuotient): the arguments of gpu/device/quotient.h's
 * QuotientInputs, host memory; acc gets 4 * height words. cudaErrorInvalidValue for malformed bytecode.
 */
int zpol_cuda_quotient(const int32_t* code, uint64_t nodes, const int32_t* roots, uint64_t root_count, uint64_t height, uint64_t next_offset,
                       const uint32_t* main, uint64_t main_width, const uint32_t* pre, uint64_t pre_width, const uint32_t* aux, uint64_t aux_width,
                       const uint32_t* first, const uint32_t* last, const uint32_t* transition, const uint32_t* publics, uint64_t public_count,
                       const uint32_t* challenges, uint64_t challenge_count, const uint32_t* claimed_sum, const uint32_t* gamma_powers, const uint32_t* z_inv,
                       uint64_t period, uint32_t* acc);

/** fri/fold.ts foldBinary: a bit-reversed codeword of 2^log_size extension values (4 words each) over shift * H -> half. */
int zpol_cuda_fri_fold(const uint32_t* codeword, int log_size, uint32_t shift, const uint32_t beta[4], uint32_t* out);
/**
 * pcs/deep-quotient.ts reducedQuotient without lifted terms: over shift * H_N (N = 2^log_domain), for each row x
 * (natural order), sum over groups g of (sum of the group's terms' column combinations - claimed[g]) / (x - z_g),
 * written at bit-reversed position. Term t: matrix ldes[t] (N x widths[t], natural order), group groups[t], packed
 * coefficients coeffs[t] (4 * widths[t] words).
 */
int zpol_cuda_deep_quotient(int log_domain, uint32_t shift, uint32_t term_count, const uint32_t* const* ldes, const uint64_t* widths, const uint32_t* groups,
                            const uint32_t* const* coeffs, uint32_t group_count, const uint32_t* points, const uint32_t* claimed, uint32_t* out);

/**
 * run/tensor-commit.ts commitMatrix on the GPU, enqueued on `stream` beside training work: values (device, rows x
 * cols bf16 bit patterns) -> tree (device, every level, leaves first: 2^(depth+1) - 1 digests of 8 words, depth =
 * max(1, ceil(log2 rows))). The tensor's root is the shape word compressed with the top node
 * (gpu/device/tensor-commit.h tensor_shaped_root). The caller keeps values and tree alive until the stream reaches
 * this point.
 */
int zpol_cuda_tensor_commit_device(const uint16_t* values, uint32_t rows, uint32_t cols, uint32_t* tree, cudaStream_t stream);
/** The same from host memory, synchronously; root gets the 8-word root. */
int zpol_cuda_tensor_commit(const uint16_t* values, uint32_t rows, uint32_t cols, uint32_t root[8]);

/**
 * The BF16 GEMM of fp/mma.ts bf16MmaDot: C[m][n] = bf16(chain over k in 16s of mma.sync m16n8k16 with f32
 * accumulate) for A (M x K, row-major) and B (K x N, row-major), bf16 bit patterns; K a multiple of 16, M of 16,
 * N of 8. acc (M x N f32 bits, or null) gets the accumulators, out the bf16 results (round to nearest even).
 */
int zpol_cuda_bf16_gemm(const uint16_t* a, const uint16_t* b, uint32_t m, uint32_t n, uint32_t k, uint32_t* acc, uint16_t* out);
/** The same on device memory, enqueued on `stream` (acc may be null). */
int zpol_cuda_bf16_gemm_device(const uint16_t* a, const uint16_t* b, uint32_t m, uint32_t n, uint32_t k, uint32_t* acc, uint16_t* out, cudaStream_t stream);

enum { ZPOL_BENCH_COPY = 0, ZPOL_BENCH_NTT = 1, ZPOL_BENCH_POSEIDON2_MERKLE = 2, ZPOL_BENCH_BLAKE3_MERKLE = 3, ZPOL_BENCH_GEMM = 4, ZPOL_BENCH_TENSOR_COMMIT = 5 };
/**
 * Device-only timing (CUDA events, one warm-up, then the mean of `iters` runs) of one kernel on data generated on
 * the device: COPY a device-to-device copy of n x width words (the memory bandwidth to compare with); NTT the
 * forward transform of n x width; the Merkle trees over n rows of width words; GEMM an n x n x width BF16 product;
 * TENSOR_COMMIT the commitment of an n x width BF16 matrix. Milliseconds per run into *ms.
 */
int zpol_cuda_bench(int what, uint64_t n, uint64_t width, int iters, double* ms);
}
