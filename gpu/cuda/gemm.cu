// The BF16 GEMM whose every output the reference fp/mma.ts bf16MmaDot predicts bit for bit (issue #17): one warp
// per 16 x 8 tile of C, `mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32` through inline PTX, the f32
// accumulator chained from one k16 step to the next in increasing k (a fixed order, no split-K: each step is one
// tensor-core operation D = mma16(A, B, C) of the reference), and the epilogue rounding the accumulator to bf16
// to nearest even in integer arithmetic (fp/bf16.ts f32ToBf16: a NaN becomes the canonical 7FC0). Operands are read
// straight from global memory: this kernel pins the arithmetic, not the throughput.
#include <cuda_runtime.h>
#include "util.cuh"
#include "zpol-cuda.h"

using namespace zpol_cuda;

namespace {

__device__ __forceinline__ uint32_t pack(uint16_t lo, uint16_t hi) { return static_cast<uint32_t>(lo) | (static_cast<uint32_t>(hi) << 16); }

/** fp/bf16.ts f32ToBf16: round to nearest even; infinities kept, a NaN the canonical 7FC0. */
__host__ __device__ __forceinline__ uint16_t f32_to_bf16(uint32_t x) {
  if ((x & 0x7f800000u) == 0x7f800000u) return (x & 0x7fffffu) == 0 ? static_cast<uint16_t>(x >> 16) : static_cast<uint16_t>(0x7fc0);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// Fragment layouts of m16n8k16 (PTX ISA, "Matrix Fragments for mma.m16n8k16"), g = lane / 4, t = lane % 4:
//   A (row-major 16 x 16): a0 = (g, 2t..2t+1), a1 = (g+8, 2t..2t+1), a2 = (g, 2t+8..2t+9), a3 = (g+8, 2t+8..2t+9)
//   B (column-major 16 x 8): b0 = (2t..2t+1, g), b1 = (2t+8..2t+9, g)
//   C, D (16 x 8 f32): c0, c1 = (g, 2t), (g, 2t+1); c2, c3 = (g+8, 2t), (g+8, 2t+1)
// The lower half of each 32-bit register holds the element of lower column (A) or row (B).
__global__ void gemm_kernel(const uint16_t* a, const uint16_t* b, uint32_t n, uint32_t k, uint32_t* acc, uint16_t* out) {
  const uint32_t lane = threadIdx.x & 31;
  const uint32_t g = lane >> 2, t = lane & 3;
  const uint32_t row0 = blockIdx.y * 16, col0 = blockIdx.x * 8;
  float c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f;  // +0
  for (uint32_t k0 = 0; k0 < k; k0 += 16) {
    const uint16_t* ar0 = a + static_cast<size_t>(row0 + g) * k + k0;
    const uint16_t* ar1 = a + static_cast<size_t>(row0 + g + 8) * k + k0;
    const uint32_t a0 = pack(ar0[2 * t], ar0[2 * t + 1]);
    const uint32_t a1 = pack(ar1[2 * t], ar1[2 * t + 1]);
    const uint32_t a2 = pack(ar0[2 * t + 8], ar0[2 * t + 9]);
    const uint32_t a3 = pack(ar1[2 * t + 8], ar1[2 * t + 9]);
    const uint16_t* bc = b + static_cast<size_t>(k0) * n + col0 + g;
    const uint32_t b0 = pack(bc[static_cast<size_t>(2 * t) * n], bc[static_cast<size_t>(2 * t + 1) * n]);
    const uint32_t b1 = pack(bc[static_cast<size_t>(2 * t + 8) * n], bc[static_cast<size_t>(2 * t + 9) * n]);
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(c0), "+f"(c1), "+f"(c2), "+f"(c3)
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
#endif
  }
  const uint32_t v[4] = {__float_as_uint(c0), __float_as_uint(c1), __float_as_uint(c2), __float_as_uint(c3)};
  for (int i = 0; i < 4; i++) {
    const size_t r = row0 + g + (i >= 2 ? 8 : 0), c = col0 + 2 * t + (i & 1);
    if (acc) acc[r * n + c] = v[i];
    out[r * n + c] = f32_to_bf16(v[i]);
  }
}

}  // namespace

extern "C" int zpol_cuda_bf16_gemm_device(const uint16_t* a, const uint16_t* b, uint32_t m, uint32_t n, uint32_t k, uint32_t* acc, uint16_t* out, cudaStream_t stream) {
  if (m % 16 || n % 8 || k % 16 || m == 0 || n == 0) return static_cast<int>(cudaErrorInvalidValue);
  gemm_kernel<<<dim3(n / 8, m / 16), 32, 0, stream>>>(a, b, n, k, acc, out);
  return static_cast<int>(cudaGetLastError());
}

extern "C" int zpol_cuda_bf16_gemm(const uint16_t* a, const uint16_t* b, uint32_t m, uint32_t n, uint32_t k, uint32_t* acc, uint16_t* out) {
  if (m % 16 || n % 8 || k % 16 || m == 0 || n == 0) return static_cast<int>(cudaErrorInvalidValue);
  int device = 0, major = 0;
  cudaError_t e = cudaGetDevice(&device);
  if (e == cudaSuccess) e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  if (e != cudaSuccess) return static_cast<int>(e);
  if (major < 8) return static_cast<int>(cudaErrorNoKernelImageForDevice);  // bf16 mma.sync needs sm_80
  DeviceBuffer<uint16_t> d_a, d_b, d_out;
  DeviceBuffer<uint32_t> d_acc;
  e = d_a.upload(a, static_cast<size_t>(m) * k);
  if (e == cudaSuccess) e = d_b.upload(b, static_cast<size_t>(k) * n);
  if (e == cudaSuccess) e = d_acc.alloc(static_cast<size_t>(m) * n);
  if (e == cudaSuccess) e = d_out.alloc(static_cast<size_t>(m) * n);
  if (e != cudaSuccess) return static_cast<int>(e);
  e = static_cast<cudaError_t>(zpol_cuda_bf16_gemm_device(d_a.ptr, d_b.ptr, m, n, k, d_acc.ptr, d_out.ptr, nullptr));
  if (e == cudaSuccess) e = cudaDeviceSynchronize();
  if (e == cudaSuccess && acc) e = d_acc.download(acc, static_cast<size_t>(m) * n);
  if (e == cudaSuccess) e = d_out.download(out, static_cast<size_t>(m) * n);
  return static_cast<int>(e);
}
