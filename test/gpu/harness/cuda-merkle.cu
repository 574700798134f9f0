// Test harness for gpu/cuda (test/gpu/device.test.ts): prints the CUDA device count or the error that stopped it;
// with a device, builds a Poseidon2 Merkle tree of 2^10 rows of 13 elements on the GPU and on the host with the same
// header, and prints whether every layer agrees.
#include <cstdio>
#include <vector>
#include "../../../gpu/cuda/zpol-cuda.h"
#include "../../../gpu/device/poseidon2.h"

int main() {
  int count = 0;
  int e = zpol_cuda_device_count(&count);
  if (e != 0 || count == 0) {
    std::printf("no device: %s\n", zpol_cuda_error_name(e));
    return 0;
  }
  const uint32_t height = 1024, width = 13;
  std::vector<uint32_t> rows(height * width);
  uint64_t x = 12345;
  for (auto& v : rows) v = static_cast<uint32_t>((x = x * 6364136223846793005ull + 1442695040888963407ull) >> 33) % zpol::P;
  std::vector<uint32_t> gpu((2 * height - 1) * 8), host((2 * height - 1) * 8);
  e = zpol_cuda_poseidon2_merkle(rows.data(), height, width, gpu.data());
  if (e != 0) {
    std::printf("kernel error: %s\n", zpol_cuda_error_name(e));
    return 1;
  }
  for (uint32_t i = 0; i < height; i++) zpol::p2_hash(rows.data() + i * width, width, host.data() + i * 8);
  size_t below = 0;
  for (uint32_t n = height / 2, size = height; n >= 1; size = n, n /= 2) {
    size_t here = below + size * 8;
    for (uint32_t j = 0; j < n; j++) zpol::p2_compress(host.data() + below + 2 * j * 8, host.data() + here + j * 8);
    below = here;
  }
  std::printf(gpu == host ? "devices: %d, merkle agrees\n" : "devices: %d, merkle DIFFERS\n", count);
  return gpu == host ? 0 : 1;
}
