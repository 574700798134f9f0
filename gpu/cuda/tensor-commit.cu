// The recording side's kernel: Poseidon2 commitments of BF16 matrices (run/tensor-commit.ts) enqueued on a stream,
// so a training loop commits its tensors beside its GEMMs without a host round trip: one thread per row hashes its
// leaf (its chunks, then the chain over their digests: gpu/device/tensor-commit.h), the padding leaves are zero,
// then one thread per node per level; the root is the shape word compressed with the tree's top node.
#include "../device/tensor-commit.h"
#include "util.cuh"
#include "zpol-cuda.h"

using namespace zpol_cuda;

namespace {

__global__ void tensor_leaves(const uint16_t* values, uint32_t rows, uint32_t cols, uint64_t width, uint32_t* leaves) {
  const uint64_t r = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= width) return;
  if (r < rows) zpol::tensor_leaf(rows, cols, static_cast<uint32_t>(r), values + r * cols, leaves + 8 * r);
  else
    for (int i = 0; i < 8; i++) leaves[8 * r + i] = 0;
}

int depth_of(uint32_t rows) {
  int d = 1;
  while ((uint64_t{1} << d) < rows) d++;
  return d;
}

}  // namespace

extern "C" int zpol_cuda_tensor_commit_device(const uint16_t* values, uint32_t rows, uint32_t cols, uint32_t* tree, cudaStream_t stream) {
  if (rows == 0 || cols == 0 || rows >= zpol::P || cols >= zpol::P || depth_of(rows) > 24) return static_cast<int>(cudaErrorInvalidValue);
  const uint64_t width = uint64_t{1} << depth_of(rows);
  tensor_leaves<<<blocks_for(width), THREADS, 0, stream>>>(values, rows, cols, width, tree);
  cudaError_t e = cudaGetLastError();
  uint64_t below = 0;
  for (uint64_t n = width / 2, size = width; n >= 1 && e == cudaSuccess; size = n, n /= 2) {
    e = static_cast<cudaError_t>(zpol_cuda_merkle_layer_device(ZPOL_CUDA_POSEIDON2, nullptr, tree + below, n, tree + below + 8 * size, stream));
    below += 8 * size;
  }
  return static_cast<int>(e);
}

extern "C" int zpol_cuda_tensor_commit(const uint16_t* values, uint32_t rows, uint32_t cols, uint32_t root[8]) {
  if (rows == 0 || cols == 0 || rows >= zpol::P || cols >= zpol::P || depth_of(rows) > 24) return static_cast<int>(cudaErrorInvalidValue);
  const uint64_t width = uint64_t{1} << depth_of(rows);
  DeviceBuffer<uint16_t> d_values;
  DeviceBuffer<uint32_t> d_tree;
  cudaStream_t stream;
  cudaError_t e = d_values.upload(values, static_cast<size_t>(rows) * cols);
  if (e == cudaSuccess) e = d_tree.alloc(8 * (2 * width - 1));
  if (e != cudaSuccess) return static_cast<int>(e);
  if ((e = cudaStreamCreate(&stream)) != cudaSuccess) return static_cast<int>(e);
  e = static_cast<cudaError_t>(zpol_cuda_tensor_commit_device(d_values.ptr, rows, cols, d_tree.ptr, stream));
  uint32_t top[8];
  if (e == cudaSuccess) e = cudaMemcpyAsync(top, d_tree.ptr + 8 * (2 * width - 2), 32, cudaMemcpyDeviceToHost, stream);
  const cudaError_t s = cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  if (e == cudaSuccess && s == cudaSuccess) zpol::tensor_shaped_root(rows, cols, top, root);
  return static_cast<int>(e != cudaSuccess ? e : s);
}
