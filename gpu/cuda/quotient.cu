// The constraint quotient on the GPU: gpu/device/quotient.h's interpreter with a batch of one row per thread, the
// registers of each thread in global memory (the bytecode of a table has up to a few thousand nodes), threads
// striding over the rows. The same interpreter as the native backend, so the same canonical elements.
#include "../device/quotient.h"
#include "util.cuh"
#include "zpol-cuda.h"

#include <vector>

using namespace zpol_cuda;

namespace {

__global__ void quotient_kernel(zpol::QuotientInputs in, const size_t* off, size_t total, uint32_t* regs, uint32_t* scratch, size_t threads, uint32_t* acc) {
  const size_t tid = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (tid >= threads) return;
  uint32_t* reg = regs + tid * total;
  uint32_t* s = scratch + tid * 8;
  for (size_t i = tid; i < in.height; i += threads) zpol::quotient_batch<1>(in, i, 1, off, reg, s, acc);
}

template <typename T>
cudaError_t up(DeviceBuffer<T>& buf, const T* host, size_t n, const T** dst) {
  if (!host) {
    *dst = nullptr;
    return cudaSuccess;
  }
  ZPOL_CUDA_TRY(buf.upload(host, n));
  *dst = buf.ptr;
  return cudaSuccess;
}

}  // namespace

extern "C" int zpol_cuda_quotient(const int32_t* code, uint64_t nodes, const int32_t* roots, uint64_t root_count, uint64_t height, uint64_t next_offset,
                                  const uint32_t* main, uint64_t main_width, const uint32_t* pre, uint64_t pre_width, const uint32_t* aux, uint64_t aux_width,
                                  const uint32_t* first, const uint32_t* last, const uint32_t* transition, const uint32_t* publics, uint64_t public_count,
                                  const uint32_t* challenges, uint64_t challenge_count, const uint32_t* claimed_sum, const uint32_t* gamma_powers,
                                  const uint32_t* z_inv, uint64_t period, uint32_t* acc) {
  zpol::QuotientInputs in{code, nodes, roots, root_count, height, next_offset, main, main_width, pre, pre_width, aux, aux_width, first, last, transition,
                          publics, public_count, challenges, challenge_count, claimed_sum, gamma_powers, z_inv, period};
  if (!zpol::quotient_valid(in) || height == 0 || next_offset >= height) return static_cast<int>(cudaErrorInvalidValue);
  std::vector<size_t> off(nodes);
  const size_t total = zpol::quotient_offsets(in, 1, off.data());
  DeviceBuffer<int32_t> d_code, d_roots;
  DeviceBuffer<uint32_t> d_main, d_pre, d_aux, d_first, d_last, d_trans, d_pub, d_ch, d_cs, d_gp, d_z, d_regs, d_scratch, d_acc;
  DeviceBuffer<size_t> d_off;
  zpol::QuotientInputs dev = in;
  cudaError_t e = cudaSuccess;
  auto step = [&](cudaError_t r) { return e == cudaSuccess ? (e = r) : e; };
  step(up(d_code, code, 6 * nodes, &dev.code));
  step(up(d_roots, roots, root_count, &dev.roots));
  step(up(d_main, main, height * main_width, &dev.main));
  step(up(d_pre, pre, height * pre_width, &dev.pre));
  step(up(d_aux, aux, 4 * height * aux_width, &dev.aux));
  step(up(d_first, first, height, &dev.first));
  step(up(d_last, last, height, &dev.last));
  step(up(d_trans, transition, height, &dev.transition));
  step(up(d_pub, publics, public_count, &dev.publics));
  step(up(d_ch, challenges, 4 * challenge_count, &dev.challenges));
  step(up(d_cs, claimed_sum, 4, &dev.claimed_sum));
  step(up(d_gp, gamma_powers, 4 * root_count, &dev.gamma_powers));
  step(up(d_z, z_inv, period, &dev.z_inv));
  step(d_off.upload(off.data(), nodes));
  // At most 1 GiB of registers: as many threads as that allows, up to one per row.
  size_t threads = static_cast<size_t>(height);
  const size_t budget = (size_t{1} << 30) / 4 / (total ? total : 1);
  if (threads > budget) threads = budget ? budget : 1;
  step(d_regs.alloc(threads * total));
  step(d_scratch.alloc(threads * 8));
  step(d_acc.alloc(4 * height));
  if (e != cudaSuccess) return static_cast<int>(e);
  quotient_kernel<<<blocks_for(threads), THREADS>>>(dev, d_off.ptr, total, d_regs.ptr, d_scratch.ptr, threads, d_acc.ptr);
  step(cudaGetLastError());
  step(cudaDeviceSynchronize());
  step(d_acc.download(acc, 4 * height));
  return static_cast<int>(e);
}
