// FRI folding and the DEEP quotient on the GPU, one thread per output point, over gpu/device/fri.h: the fold's
// 1/(2x) and the DEEP denominators 1/(x - z) are computed per point (exact field arithmetic: the reference's
// batched inversions give the same elements).
#include "../device/fri.h"
#include "util.cuh"
#include "zpol-cuda.h"

#include <vector>

using namespace zpol_cuda;

namespace {

__global__ void fold_kernel(const uint32_t* cw, int log_size, uint32_t shift, zpol::Ext beta, uint32_t* out) {
  const size_t p = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= (size_t{1} << (log_size - 1))) return;
  const zpol::Ext r = zpol::fri_fold_pair(zpol::ext_load(cw + 8 * p), zpol::ext_load(cw + 8 * p + 4), zpol::fri_inv_two_x(p, log_size, shift), beta);
  zpol::ext_store(out + 4 * p, r);
}

constexpr uint32_t MAX_GROUPS = 16;

struct Term {
  const uint32_t* lde;
  uint64_t width;
  uint32_t group;
  const uint32_t* coeffs;
};

__global__ void deep_kernel(int log_domain, uint32_t shift, const Term* terms, uint32_t term_count, uint32_t group_count, const uint32_t* points, const uint32_t* claimed, uint32_t* out) {
  const size_t row = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (row >= (size_t{1} << log_domain)) return;
  zpol::Ext acc[MAX_GROUPS];
  for (uint32_t g = 0; g < group_count; g++) acc[g] = zpol::ext_base(0);
  for (uint32_t t = 0; t < term_count; t++) {
    const Term& term = terms[t];
    acc[term.group] = zpol::ext_add(acc[term.group], zpol::combine_row(term.lde + row * term.width, term.width, term.coeffs));
  }
  const uint32_t x = zpol::mul(shift, zpol::pow(zpol::root_of_unity(log_domain), row));
  zpol::Ext q = zpol::ext_base(0);
  for (uint32_t g = 0; g < group_count; g++) q = zpol::ext_add(q, zpol::deep_term(acc[g], zpol::ext_load(claimed + 4 * g), x, zpol::ext_load(points + 4 * g)));
  zpol::ext_store(out + 4 * static_cast<size_t>(zpol::bit_reverse(static_cast<uint32_t>(row), log_domain)), q);
}

}  // namespace

extern "C" int zpol_cuda_fri_fold(const uint32_t* codeword, int log_size, uint32_t shift, const uint32_t beta[4], uint32_t* out) {
  if (log_size < 1 || log_size > zpol::TWO_ADICITY || shift == 0 || shift >= zpol::P) return static_cast<int>(cudaErrorInvalidValue);
  const size_t half = size_t{1} << (log_size - 1);
  DeviceBuffer<uint32_t> d_cw, d_out;
  cudaError_t e = d_cw.upload(codeword, 8 * half);
  if (e == cudaSuccess) e = d_out.alloc(4 * half);
  if (e != cudaSuccess) return static_cast<int>(e);
  fold_kernel<<<blocks_for(half), THREADS>>>(d_cw.ptr, log_size, shift, zpol::ext_load(beta), d_out.ptr);
  e = cudaGetLastError();
  if (e == cudaSuccess) e = cudaDeviceSynchronize();
  if (e == cudaSuccess) e = d_out.download(out, 4 * half);
  return static_cast<int>(e);
}

extern "C" int zpol_cuda_deep_quotient(int log_domain, uint32_t shift, uint32_t term_count, const uint32_t* const* ldes, const uint64_t* widths, const uint32_t* groups,
                                       const uint32_t* const* coeffs, uint32_t group_count, const uint32_t* points, const uint32_t* claimed, uint32_t* out) {
  if (log_domain < 0 || log_domain > zpol::TWO_ADICITY || group_count == 0 || group_count > MAX_GROUPS) return static_cast<int>(cudaErrorInvalidValue);
  for (uint32_t t = 0; t < term_count; t++)
    if (groups[t] >= group_count) return static_cast<int>(cudaErrorInvalidValue);
  const size_t N = size_t{1} << log_domain;
  std::vector<DeviceBuffer<uint32_t>> mats(term_count), cos(term_count);
  std::vector<Term> terms(term_count);
  DeviceBuffer<Term> d_terms;
  DeviceBuffer<uint32_t> d_points, d_claimed, d_out;
  cudaError_t e = cudaSuccess;
  for (uint32_t t = 0; t < term_count && e == cudaSuccess; t++) {
    e = mats[t].upload(ldes[t], N * widths[t]);
    if (e == cudaSuccess) e = cos[t].upload(coeffs[t], 4 * widths[t]);
    terms[t] = Term{mats[t].ptr, widths[t], groups[t], cos[t].ptr};
  }
  if (e == cudaSuccess) e = d_terms.upload(terms.data(), term_count);
  if (e == cudaSuccess) e = d_points.upload(points, 4 * group_count);
  if (e == cudaSuccess) e = d_claimed.upload(claimed, 4 * group_count);
  if (e == cudaSuccess) e = d_out.alloc(4 * N);
  if (e != cudaSuccess) return static_cast<int>(e);
  deep_kernel<<<blocks_for(N), THREADS>>>(log_domain, shift, d_terms.ptr, term_count, group_count, d_points.ptr, d_claimed.ptr, d_out.ptr);
  e = cudaGetLastError();
  if (e == cudaSuccess) e = cudaDeviceSynchronize();
  if (e == cudaSuccess) e = d_out.download(out, 4 * N);
  return static_cast<int>(e);
}
