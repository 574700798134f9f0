// CUDA Merkle trees (runtime/proof/merkle/tree.ts) with either hasher, as per-layer primitives over device memory
// (a caller building other tree shapes, one tree per phase or mixed heights, composes them): the leaf messages
// gathered (salts row i, then row i of each matrix), one thread per leaf hashing its message (gpu/device/blake3.h
// keyed with the leaf key, or gpu/device/poseidon2.h's sponge), then one thread per node hashing its two children,
// layer by layer. Digests are 8 words; the host entry returns every layer, leaves first.
#include "../device/blake3.h"
#include "../device/poseidon2.h"
#include "util.cuh"
#include "zpol-cuda.h"

#include <vector>

using namespace zpol_cuda;

namespace {

struct Key {
  uint32_t w[8];
};

__global__ void gather_kernel(const uint32_t* const* matrices, const uint64_t* widths, uint32_t count, const uint32_t* salts, uint64_t salt_width, uint64_t height, uint64_t row_len, uint32_t* messages) {
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= height) return;
  uint32_t* dst = messages + i * row_len;
  for (uint64_t k = 0; k < salt_width; k++) *dst++ = salts[i * salt_width + k];
  for (uint32_t m = 0; m < count; m++) {
    const uint64_t w = widths[m];
    for (uint64_t k = 0; k < w; k++) *dst++ = matrices[m][i * w + k];
  }
}

__global__ void leaves_kernel(int hasher, Key key, const uint32_t* messages, uint64_t height, uint64_t row_len, uint32_t* out) {
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= height) return;
  if (hasher == ZPOL_CUDA_BLAKE3) zpol::blake3_keyed_words(key.w, messages + i * row_len, row_len, out + i * 8);
  else zpol::p2_hash(messages + i * row_len, static_cast<uint32_t>(row_len), out + i * 8);
}

__global__ void layer_kernel(int hasher, Key key, const uint32_t* below, uint64_t n, uint32_t* out) {
  const uint64_t j = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= n) return;
  if (hasher == ZPOL_CUDA_BLAKE3) zpol::blake3_keyed_64(key.w, below + 16 * j, out + 8 * j);
  else zpol::p2_compress(below + 16 * j, out + 8 * j);
}

Key key_of(const uint32_t* k) {
  Key key{};
  for (int i = 0; i < 8; i++) key.w[i] = k ? k[i] : 0;
  return key;
}

// The leaf digests of `height` rows into d_out (device, 8 * height words): the matrices and salts uploaded, the
// messages gathered, then one thread per leaf.
cudaError_t leaves_into(int hasher, const uint32_t* const* matrices, const uint64_t* widths, uint32_t count, const uint32_t* salts, uint64_t salt_width,
                        uint64_t height, const uint32_t* leaf_key, uint32_t* d_out) {
  if (height == 0 || (hasher != ZPOL_CUDA_BLAKE3 && hasher != ZPOL_CUDA_POSEIDON2) || (hasher == ZPOL_CUDA_BLAKE3 && !leaf_key)) return cudaErrorInvalidValue;
  uint64_t row_len = salts ? salt_width : 0;
  std::vector<DeviceBuffer<uint32_t>> mats(count);
  std::vector<const uint32_t*> ptrs(count);
  for (uint32_t m = 0; m < count; m++) {
    ZPOL_CUDA_TRY(mats[m].upload(matrices[m], height * widths[m]));
    ptrs[m] = mats[m].ptr;
    row_len += widths[m];
  }
  DeviceBuffer<const uint32_t*> d_ptrs;
  DeviceBuffer<uint64_t> d_widths;
  DeviceBuffer<uint32_t> d_salts, messages;
  ZPOL_CUDA_TRY(d_ptrs.upload(ptrs.data(), count));
  ZPOL_CUDA_TRY(d_widths.upload(widths, count));
  ZPOL_CUDA_TRY(d_salts.upload(salts, salts ? height * salt_width : 0));
  ZPOL_CUDA_TRY(messages.alloc(height * row_len));
  gather_kernel<<<blocks_for(height), THREADS>>>(d_ptrs.ptr, d_widths.ptr, count, d_salts.ptr, salts ? salt_width : 0, height, row_len, messages.ptr);
  ZPOL_CUDA_LAUNCHED();
  ZPOL_CUDA_TRY(zpol_cuda_merkle_leaves_device(hasher, leaf_key, messages.ptr, height, row_len, d_out, nullptr));
  return cudaDeviceSynchronize();
}

cudaError_t layers_host(int hasher, const uint32_t* const* matrices, const uint64_t* widths, uint32_t count, const uint32_t* salts, uint64_t salt_width, uint64_t height,
                        const uint32_t* leaf_key, const uint32_t* node_key, uint32_t* layers) {
  if (height == 0 || (height & (height - 1)) != 0 || (hasher == ZPOL_CUDA_BLAKE3 && !node_key)) return cudaErrorInvalidValue;
  const uint64_t total = (2 * height - 1) * 8;
  DeviceBuffer<uint32_t> tree;
  ZPOL_CUDA_TRY(tree.alloc(total));
  ZPOL_CUDA_TRY(leaves_into(hasher, matrices, widths, count, salts, salt_width, height, leaf_key, tree.ptr));
  uint64_t below = 0;
  for (uint64_t n = height / 2, size = height; n >= 1; size = n, n /= 2) {
    const uint64_t here = below + size * 8;
    ZPOL_CUDA_TRY(zpol_cuda_merkle_layer_device(hasher, node_key, tree.ptr + below, n, tree.ptr + here, nullptr));
    below = here;
  }
  ZPOL_CUDA_TRY(cudaDeviceSynchronize());
  return tree.download(layers, total);
}

cudaError_t leaves_host(int hasher, const uint32_t* const* matrices, const uint64_t* widths, uint32_t count, const uint32_t* salts, uint64_t salt_width, uint64_t height,
                        const uint32_t* leaf_key, uint32_t* leaves) {
  DeviceBuffer<uint32_t> out;
  ZPOL_CUDA_TRY(out.alloc(8 * height));
  ZPOL_CUDA_TRY(leaves_into(hasher, matrices, widths, count, salts, salt_width, height, leaf_key, out.ptr));
  return out.download(leaves, 8 * height);
}

cudaError_t nodes_host(int hasher, const uint32_t* node_key, const uint32_t* below, uint64_t n, uint32_t* out) {
  if (n == 0 || (hasher != ZPOL_CUDA_BLAKE3 && hasher != ZPOL_CUDA_POSEIDON2) || (hasher == ZPOL_CUDA_BLAKE3 && !node_key)) return cudaErrorInvalidValue;
  DeviceBuffer<uint32_t> d_below, d_out;
  ZPOL_CUDA_TRY(d_below.upload(below, 16 * n));
  ZPOL_CUDA_TRY(d_out.alloc(8 * n));
  ZPOL_CUDA_TRY(zpol_cuda_merkle_layer_device(hasher, node_key, d_below.ptr, n, d_out.ptr, nullptr));
  ZPOL_CUDA_TRY(cudaDeviceSynchronize());
  return d_out.download(out, 8 * n);
}

}  // namespace

extern "C" int zpol_cuda_device_count(int* count) {
  *count = 0;
  return static_cast<int>(cudaGetDeviceCount(count));
}

extern "C" const char* zpol_cuda_error_name(int error) { return cudaGetErrorName(static_cast<cudaError_t>(error)); }

extern "C" int zpol_cuda_device_name(char* out, int size) {
  cudaDeviceProp prop;
  const cudaError_t e = cudaGetDeviceProperties(&prop, 0);
  if (e != cudaSuccess || size <= 0) return static_cast<int>(e);
  int i = 0;
  for (; i + 1 < size && prop.name[i]; i++) out[i] = prop.name[i];
  out[i] = 0;
  return 0;
}

extern "C" int zpol_cuda_merkle_leaves_device(int hasher, const uint32_t* leaf_key, const uint32_t* messages, uint64_t height, uint64_t row_len, uint32_t* leaves, cudaStream_t stream) {
  leaves_kernel<<<blocks_for(height), THREADS, 0, stream>>>(hasher, key_of(leaf_key), messages, height, row_len, leaves);
  return static_cast<int>(cudaGetLastError());
}

extern "C" int zpol_cuda_merkle_layer_device(int hasher, const uint32_t* node_key, const uint32_t* below, uint64_t n, uint32_t* out, cudaStream_t stream) {
  layer_kernel<<<blocks_for(n), THREADS, 0, stream>>>(hasher, key_of(node_key), below, n, out);
  return static_cast<int>(cudaGetLastError());
}

extern "C" int zpol_cuda_merkle_layers(int hasher, const uint32_t* const* matrices, const uint64_t* widths, uint32_t count, const uint32_t* salts, uint64_t salt_width,
                                       uint64_t height, const uint32_t* leaf_key, const uint32_t* node_key, uint32_t* layers) {
  return static_cast<int>(layers_host(hasher, matrices, widths, count, salts, salt_width, height, leaf_key, node_key, layers));
}

extern "C" int zpol_cuda_merkle_leaves(int hasher, const uint32_t* const* matrices, const uint64_t* widths, uint32_t count, const uint32_t* salts, uint64_t salt_width,
                                       uint64_t height, const uint32_t* leaf_key, uint32_t* leaves) {
  return static_cast<int>(leaves_host(hasher, matrices, widths, count, salts, salt_width, height, leaf_key, leaves));
}

extern "C" int zpol_cuda_merkle_nodes(int hasher, const uint32_t* node_key, const uint32_t* below, uint64_t n, uint32_t* out) {
  return static_cast<int>(nodes_host(hasher, node_key, below, n, out));
}
