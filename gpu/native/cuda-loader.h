// The CUDA library (gpu/cuda, gpu/cuda-build/zpol_cuda.so) loaded at run time: the addon links nothing of CUDA, so
// it loads on every machine; the library is opened with dlopen when JavaScript asks for it (gpu/index.ts), and a
// missing library, symbol or driver is reported as a message, never a crash.
#pragma once
#include <string>

#include "../cuda/zpol-cuda.h"

namespace zpol {

struct CudaApi {
  decltype(&zpol_cuda_device_count) device_count;
  decltype(&zpol_cuda_error_name) error_name;
  decltype(&zpol_cuda_device_name) device_name;
  decltype(&zpol_cuda_ntt) ntt;
  decltype(&zpol_cuda_coset_lde) coset_lde;
  decltype(&zpol_cuda_merkle_layers) merkle_layers;
  decltype(&zpol_cuda_merkle_leaves) merkle_leaves;
  decltype(&zpol_cuda_merkle_nodes) merkle_nodes;
  decltype(&zpol_cuda_quotient) quotient;
};

// Opens the library at `path` (once; later calls return the first result). Null, with *error set, when it cannot.
const CudaApi* load_cuda(const std::string& path, std::string* error);

// The library loaded by load_cuda, or null.
const CudaApi* cuda_api();

}  // namespace zpol
