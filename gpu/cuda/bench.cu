// Device-only timings for bench/results/gpu.json (gpu/run-on-gpu.sh): each kernel on data generated on the device
// (so no host transfer is counted), timed with CUDA events, one warm-up run first.
#include "../device/babybear.h"
#include "util.cuh"
#include "zpol-cuda.h"

using namespace zpol_cuda;

namespace {

// Canonical field elements (or, with mask 0xffff, bf16 bit patterns of moderate exponent) from a hash of the index.
__global__ void fill_kernel(uint32_t* out, size_t n, uint32_t seed) {
  const size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  out[i] = static_cast<uint32_t>(x % zpol::P);
}

__global__ void fill_bf16_kernel(uint16_t* out, size_t n) {
  const size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const uint32_t h = static_cast<uint32_t>((i + 7) * 2654435761u);
  out[i] = static_cast<uint16_t>((h & 0x807f) | ((120 + (h >> 8) % 16) << 7));
}

}  // namespace

extern "C" int zpol_cuda_bench(int what, uint64_t n, uint64_t width, int iters, double* ms) {
  if (iters < 1 || n == 0 || width == 0) return static_cast<int>(cudaErrorInvalidValue);
  DeviceBuffer<uint32_t> a, b, c;
  DeviceBuffer<uint16_t> x, y, z;
  const bool bf16 = what == ZPOL_BENCH_GEMM || what == ZPOL_BENCH_TENSOR_COMMIT;
  const size_t words = n * width;
  if (!bf16) {
    ZPOL_CUDA_TRY(a.alloc(words));
    ZPOL_CUDA_TRY(b.alloc(what == ZPOL_BENCH_COPY || what == ZPOL_BENCH_NTT ? words : 16 * n));
    fill_kernel<<<blocks_for(words), THREADS>>>(a.ptr, words, 1);
  } else if (what == ZPOL_BENCH_GEMM) {  // n x width times width x n
    ZPOL_CUDA_TRY(x.alloc(n * width));
    ZPOL_CUDA_TRY(y.alloc(width * n));
    ZPOL_CUDA_TRY(z.alloc(n * n));
    fill_bf16_kernel<<<blocks_for(n * width), THREADS>>>(x.ptr, n * width);
    fill_bf16_kernel<<<blocks_for(n * width), THREADS>>>(y.ptr, n * width);
  } else {
    size_t leaves = 2;
    while (leaves < n) leaves *= 2;
    ZPOL_CUDA_TRY(x.alloc(n * width));
    ZPOL_CUDA_TRY(c.alloc(8 * (2 * leaves - 1)));
    fill_bf16_kernel<<<blocks_for(n * width), THREADS>>>(x.ptr, n * width);
  }
  ZPOL_CUDA_LAUNCHED();
  ZPOL_CUDA_TRY(cudaDeviceSynchronize());
  auto once = [&]() -> cudaError_t {
    switch (what) {
      case ZPOL_BENCH_COPY: return cudaMemcpyAsync(b.ptr, a.ptr, words * 4, cudaMemcpyDeviceToDevice);
      case ZPOL_BENCH_NTT: return static_cast<cudaError_t>(zpol_cuda_ntt_device(a.ptr, b.ptr, n, width));
      case ZPOL_BENCH_POSEIDON2_MERKLE:
      case ZPOL_BENCH_BLAKE3_MERKLE: {
        const int hasher = what == ZPOL_BENCH_BLAKE3_MERKLE ? ZPOL_CUDA_BLAKE3 : ZPOL_CUDA_POSEIDON2;
        const uint32_t key[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        // Leaves into b (8 words each), then the layers above into b's second half.
        ZPOL_CUDA_TRY(static_cast<cudaError_t>(zpol_cuda_merkle_leaves_device(hasher, key, a.ptr, n, width, b.ptr, nullptr)));
        size_t below = 0;
        for (uint64_t m = n / 2, size = n; m >= 1; size = m, m /= 2) {
          ZPOL_CUDA_TRY(static_cast<cudaError_t>(zpol_cuda_merkle_layer_device(hasher, key, b.ptr + below, m, b.ptr + below + 8 * size, nullptr)));
          below += 8 * size;
        }
        return cudaSuccess;
      }
      case ZPOL_BENCH_GEMM: return static_cast<cudaError_t>(zpol_cuda_bf16_gemm_device(x.ptr, y.ptr, static_cast<uint32_t>(n), static_cast<uint32_t>(n), static_cast<uint32_t>(width), nullptr, z.ptr, nullptr));
      case ZPOL_BENCH_TENSOR_COMMIT: return static_cast<cudaError_t>(zpol_cuda_tensor_commit_device(x.ptr, static_cast<uint32_t>(n), static_cast<uint32_t>(width), c.ptr, nullptr));
      default: return cudaErrorInvalidValue;
    }
  };
  ZPOL_CUDA_TRY(once());
  ZPOL_CUDA_TRY(cudaDeviceSynchronize());
  cudaEvent_t start, stop;
  ZPOL_CUDA_TRY(cudaEventCreate(&start));
  ZPOL_CUDA_TRY(cudaEventCreate(&stop));
  cudaEventRecord(start);
  cudaError_t e = cudaSuccess;
  for (int i = 0; i < iters && e == cudaSuccess; i++) e = once();
  cudaEventRecord(stop);
  if (e == cudaSuccess) e = cudaEventSynchronize(stop);
  float total = 0;
  if (e == cudaSuccess) e = cudaEventElapsedTime(&total, start, stop);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  *ms = static_cast<double>(total) / iters;
  return static_cast<int>(e);
}
