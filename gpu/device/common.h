// Shared device code: headers usable from C++ (the native CPU backend, the tests' harnesses) and from CUDA
// (gpu/cuda). Under nvcc every function is __host__ __device__; elsewhere a plain inline function. Nothing here
// allocates or calls out: the same code runs per thread on the GPU and per row on the CPU.
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#define ZPOL_HD __host__ __device__ __forceinline__
#else
#define ZPOL_HD inline
#endif
