// CUDA NTTs over many columns (runtime/proof/field/ntt.ts conventions: natural order in and out, row-major
// matrices): the rows bit-reversed (times the coset factors) into a scratch buffer, one launch per stage with one
// thread per butterfly and column (consecutive threads on consecutive columns, so loads coalesce), and for inverse
// transforms the entries 1..n-1 reversed and scaled on the way back. The arithmetic is gpu/device/butterfly.h's,
// the same as the native backend's, so every output is the reference's canonical element.
#include "../device/butterfly.h"
#include "util.cuh"
#include "zpol-cuda.h"

#include <vector>

using namespace zpol_cuda;

namespace {

__global__ void permute_rows(const uint32_t* in, uint32_t* out, size_t n, size_t width, int logN, const uint32_t* pre) {
  const size_t idx = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= n * width) return;
  const size_t i = idx / width, c = idx - i * width;
  const uint32_t v = pre ? zpol::mul_mont(in[idx], pre[i]) : in[idx];
  out[static_cast<size_t>(zpol::bit_reverse(static_cast<uint32_t>(i), logN)) * width + c] = v;
}

__global__ void stage(uint32_t* v, size_t n, size_t width, size_t h, const uint32_t* tw) {
  const size_t idx = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= (n / 2) * width) return;
  const size_t t = idx / width, c = idx - t * width;
  zpol::dit_stage_butterfly(v + c, width, t, h, tw);
}

// out[i][c] = in[inverse_source(i)][c] * post[i] (post in Montgomery form).
__global__ void finish_inverse(const uint32_t* in, uint32_t* out, size_t n, size_t width, const uint32_t* post) {
  const size_t idx = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= n * width) return;
  const size_t i = idx / width, c = idx - i * width;
  out[idx] = zpol::mul_mont(in[zpol::inverse_source(i, n) * width + c], post[i]);
}

int log2_exact(uint64_t n) {
  int k = 0;
  while ((uint64_t{1} << k) < n) k++;
  return (uint64_t{1} << k) == n && k <= zpol::TWO_ADICITY ? k : -1;
}

cudaError_t upload_geometric(DeviceBuffer<uint32_t>& buf, size_t n, uint32_t first, uint32_t ratio) {
  std::vector<uint32_t> host(n);
  zpol::fill_geometric_mont(host.data(), n, first, ratio);
  return buf.upload(host.data(), n);
}

// The transform of the n x width matrix at src (device) into dst (device; may equal src), through scratch (n x
// width): forward (with optional row factors `pre` before it) or inverse (with row factors `post` after it).
cudaError_t transform(const uint32_t* src, uint32_t* dst, uint32_t* scratch, size_t n, size_t width, bool forward, const uint32_t* pre, const uint32_t* post) {
  const int logN = log2_exact(n);
  std::vector<uint32_t> tw_host(n < 2 ? 2 : n);
  zpol::fill_stage_twiddles(tw_host.data(), logN);
  DeviceBuffer<uint32_t> tw;
  ZPOL_CUDA_TRY(tw.upload(tw_host.data(), tw_host.size()));
  permute_rows<<<blocks_for(n * width), THREADS>>>(src, scratch, n, width, logN, forward ? pre : nullptr);
  ZPOL_CUDA_LAUNCHED();
  for (size_t h = 1; h < n; h <<= 1) {
    stage<<<blocks_for((n / 2) * width), THREADS>>>(scratch, n, width, h, tw.ptr);
    ZPOL_CUDA_LAUNCHED();
  }
  if (forward) return cudaMemcpy(dst, scratch, n * width * 4, cudaMemcpyDeviceToDevice);
  finish_inverse<<<blocks_for(n * width), THREADS>>>(scratch, dst, n, width, post);
  ZPOL_CUDA_LAUNCHED();
  return cudaDeviceSynchronize();
}

cudaError_t ntt_host(uint32_t* values, uint64_t n, uint64_t width, int kind, uint32_t shift) {
  if (log2_exact(n) < 0 || kind < 0 || kind > 3 || shift == 0 || shift >= zpol::P) return cudaErrorInvalidValue;
  if (n * width == 0) return cudaSuccess;
  DeviceBuffer<uint32_t> v, scratch, factors;
  ZPOL_CUDA_TRY(v.upload(values, n * width));
  ZPOL_CUDA_TRY(scratch.alloc(n * width));
  const uint32_t n_inv = zpol::inv(static_cast<uint32_t>(n % zpol::P));
  switch (kind) {
    case ZPOL_CUDA_NTT: ZPOL_CUDA_TRY(transform(v.ptr, v.ptr, scratch.ptr, n, width, true, nullptr, nullptr)); break;
    case ZPOL_CUDA_INTT:
      ZPOL_CUDA_TRY(upload_geometric(factors, n, n_inv, 1));
      ZPOL_CUDA_TRY(transform(v.ptr, v.ptr, scratch.ptr, n, width, false, nullptr, factors.ptr));
      break;
    case ZPOL_CUDA_COSET_NTT:
      ZPOL_CUDA_TRY(upload_geometric(factors, n, 1, shift));
      ZPOL_CUDA_TRY(transform(v.ptr, v.ptr, scratch.ptr, n, width, true, factors.ptr, nullptr));
      break;
    default:  // c_i = n^-1 shift^-i (unscaled inverse)_i
      ZPOL_CUDA_TRY(upload_geometric(factors, n, n_inv, zpol::inv(shift)));
      ZPOL_CUDA_TRY(transform(v.ptr, v.ptr, scratch.ptr, n, width, false, nullptr, factors.ptr));
  }
  return v.download(values, n * width);
}

cudaError_t lde_host(const uint32_t* values, uint64_t n, uint64_t width, int log_blowup, uint32_t shift, uint32_t* out) {
  if (log2_exact(n) < 0 || log_blowup < 0 || log2_exact(n << log_blowup) < 0 || shift == 0 || shift >= zpol::P) return cudaErrorInvalidValue;
  const size_t N = n << log_blowup;
  if (n * width == 0) return cudaSuccess;
  DeviceBuffer<uint32_t> v, big, scratch, factors;
  ZPOL_CUDA_TRY(v.upload(values, n * width));
  ZPOL_CUDA_TRY(big.alloc(N * width));
  ZPOL_CUDA_TRY(scratch.alloc(N * width));
  // The coefficients of C(shift X): the inverse transform's c_i times n^-1 shift^i, into the first n rows; zeros
  // above; then the forward transform of size N gives C(shift w_N^k) for every k.
  ZPOL_CUDA_TRY(upload_geometric(factors, n, zpol::inv(static_cast<uint32_t>(n % zpol::P)), shift));
  ZPOL_CUDA_TRY(cudaMemset(big.ptr + n * width, 0, (N - n) * width * 4));
  ZPOL_CUDA_TRY(transform(v.ptr, big.ptr, scratch.ptr, n, width, false, nullptr, factors.ptr));
  ZPOL_CUDA_TRY(transform(big.ptr, big.ptr, scratch.ptr, N, width, true, nullptr, nullptr));
  return big.download(out, N * width);
}

}  // namespace

extern "C" int zpol_cuda_ntt_device(uint32_t* values, uint32_t* scratch, uint64_t n, uint64_t width) {
  if (log2_exact(n) < 0) return static_cast<int>(cudaErrorInvalidValue);
  return static_cast<int>(transform(values, values, scratch, n, width, true, nullptr, nullptr));
}

extern "C" int zpol_cuda_ntt(uint32_t* values, uint64_t n, uint64_t width, int kind, uint32_t shift) {
  return static_cast<int>(ntt_host(values, n, width, kind, shift));
}

extern "C" int zpol_cuda_coset_lde(const uint32_t* values, uint64_t n, uint64_t width, int log_blowup, uint32_t shift, uint32_t* out) {
  return static_cast<int>(lde_host(values, n, width, log_blowup, shift, out));
}
