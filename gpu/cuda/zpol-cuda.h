// The C interface of zpol's CUDA library (gpu/cuda): every entry returns a cudaError_t as an int (0 = success), so
// a caller without a GPU or driver learns why (zpol_cuda_error_name) instead of crashing.
#pragma once
#include <cstdint>

extern "C" {
/** The number of CUDA devices, and the error that stopped counting them (cudaErrorInsufficientDriver, cudaErrorNoDevice). */
int zpol_cuda_device_count(int* count);
const char* zpol_cuda_error_name(int error);
/**
 * Every layer of the Poseidon2 Merkle tree of `height` rows (a power of two) of `width` elements, leaves first,
 * into layers[0 .. (2 height - 1) * 8): the unsalted tree of runtime/proof/merkle/tree.ts.
 */
int zpol_cuda_poseidon2_merkle(const uint32_t* rows, uint32_t height, uint32_t width, uint32_t* layers);
}
