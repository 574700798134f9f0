// CUDA kernels for Poseidon2 Merkle trees (runtime/proof/merkle/tree.ts with merkle/poseidon2-hasher.ts): one thread
// per leaf hashes its row with the shared sponge (gpu/device/poseidon2.h), then one thread per node compresses its
// two children, layer by layer. Rows are row-major (height x width), digests 8 elements each; the result is every
// layer, leaves first, as the TypeScript tree builds them. Host entry points return a cudaError_t so that a
// machine without a GPU (or without a driver) gets a clean error, never a crash.
#include <cuda_runtime.h>
#include "../device/poseidon2.h"
#include "zpol-cuda.h"

namespace {

__global__ void leaves_kernel(const uint32_t* rows, uint32_t height, uint32_t width, uint32_t* out) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < height) zpol::p2_hash(rows + static_cast<size_t>(i) * width, width, out + static_cast<size_t>(i) * zpol::P2_DIGEST);
}

__global__ void layer_kernel(const uint32_t* below, uint32_t n, uint32_t* out) {
  uint32_t j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j < n) zpol::p2_compress(below + static_cast<size_t>(2 * j) * zpol::P2_DIGEST, out + static_cast<size_t>(j) * zpol::P2_DIGEST);
}

}  // namespace

extern "C" int zpol_cuda_device_count(int* count) {
  *count = 0;
  return static_cast<int>(cudaGetDeviceCount(count));
}

extern "C" const char* zpol_cuda_error_name(int error) { return cudaGetErrorName(static_cast<cudaError_t>(error)); }

extern "C" int zpol_cuda_poseidon2_merkle(const uint32_t* rows, uint32_t height, uint32_t width, uint32_t* layers) {
  if (height == 0 || (height & (height - 1)) != 0) return static_cast<int>(cudaErrorInvalidValue);
  const size_t total = static_cast<size_t>(2 * height - 1) * zpol::P2_DIGEST;
  uint32_t* d_rows = nullptr;
  uint32_t* d_layers = nullptr;
  cudaError_t e = cudaMalloc(&d_rows, static_cast<size_t>(height) * width * sizeof(uint32_t));
  if (e == cudaSuccess) e = cudaMalloc(&d_layers, total * sizeof(uint32_t));
  if (e == cudaSuccess) e = cudaMemcpy(d_rows, rows, static_cast<size_t>(height) * width * sizeof(uint32_t), cudaMemcpyHostToDevice);
  if (e == cudaSuccess) {
    const uint32_t threads = 256;
    leaves_kernel<<<(height + threads - 1) / threads, threads>>>(d_rows, height, width, d_layers);
    size_t below = 0;
    for (uint32_t n = height >> 1, size = height; n >= 1; size = n, n >>= 1) {
      const size_t here = below + static_cast<size_t>(size) * zpol::P2_DIGEST;
      layer_kernel<<<(n + threads - 1) / threads, threads>>>(d_layers + below, n, d_layers + here);
      below = here;
    }
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) e = cudaMemcpy(layers, d_layers, total * sizeof(uint32_t), cudaMemcpyDeviceToHost);
  cudaFree(d_rows);
  cudaFree(d_layers);
  return static_cast<int>(e);
}
