#include "cuda-loader.h"

#include <dlfcn.h>

#include <mutex>

namespace zpol {
namespace {

CudaApi api;
bool loaded = false, tried = false;
std::string load_error;
// Proving threads (runtime/queue/threads.ts) each load the addon and ask for the library at once: without the lock a
// second caller saw `tried` set while the first was still in dlopen, and returned no library with an empty error,
// which the addon reported as a device that answers.
std::mutex load_mutex;

template <typename F>
bool symbol(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  if (!*out) load_error = std::string("missing symbol ") + name;
  return *out != nullptr;
}

}  // namespace

const CudaApi* load_cuda(const std::string& path, std::string* error) {
  std::lock_guard<std::mutex> lock(load_mutex);
  if (!tried) {
    tried = true;
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* e = dlerror();
      load_error = e ? e : "dlopen failed";
    } else {
      loaded = symbol(lib, "zpol_cuda_device_count", &api.device_count) && symbol(lib, "zpol_cuda_error_name", &api.error_name) &&
               symbol(lib, "zpol_cuda_device_name", &api.device_name) && symbol(lib, "zpol_cuda_ntt", &api.ntt) &&
               symbol(lib, "zpol_cuda_coset_lde", &api.coset_lde) && symbol(lib, "zpol_cuda_merkle_layers", &api.merkle_layers) &&
               symbol(lib, "zpol_cuda_merkle_leaves", &api.merkle_leaves) && symbol(lib, "zpol_cuda_merkle_nodes", &api.merkle_nodes) &&
               symbol(lib, "zpol_cuda_quotient", &api.quotient);
    }
  }
  if (!loaded && error) *error = load_error;
  return loaded ? &api : nullptr;
}

const CudaApi* cuda_api() {
  std::lock_guard<std::mutex> lock(load_mutex);
  return loaded ? &api : nullptr;
}

}  // namespace zpol
