// Host-side helpers of the CUDA kernels: device buffers freed on every path, and the one way a kernel file checks a
// CUDA call (the first error is returned to the C interface, which hands it to the caller as an int).
#pragma once
#include <cuda_runtime.h>
#include <cstddef>
#include <cstdint>

namespace zpol_cuda {

/** A device allocation of n elements of T, freed when it goes out of scope. */
template <typename T>
struct DeviceBuffer {
  T* ptr = nullptr;
  size_t n = 0;
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { cudaFree(ptr); }
  cudaError_t alloc(size_t count) {
    n = count;
    return cudaMalloc(&ptr, (count ? count : 1) * sizeof(T));
  }
  cudaError_t upload(const T* host, size_t count) {
    cudaError_t e = alloc(count);
    return e != cudaSuccess || count == 0 ? e : cudaMemcpy(ptr, host, count * sizeof(T), cudaMemcpyHostToDevice);
  }
  cudaError_t download(T* host, size_t count) const {
    return count == 0 ? cudaSuccess : cudaMemcpy(host, ptr, count * sizeof(T), cudaMemcpyDeviceToHost);
  }
};

constexpr uint32_t THREADS = 256;
inline uint32_t blocks_for(size_t n) { return static_cast<uint32_t>((n + THREADS - 1) / THREADS); }

}  // namespace zpol_cuda

// Returns the error of a failed CUDA call (or of the last launch) from the enclosing function.
#define ZPOL_CUDA_TRY(call)                     \
  do {                                          \
    cudaError_t zpol_e_ = static_cast<cudaError_t>(call); \
    if (zpol_e_ != cudaSuccess) return zpol_e_; \
  } while (0)
#define ZPOL_CUDA_LAUNCHED() ZPOL_CUDA_TRY(cudaGetLastError())
