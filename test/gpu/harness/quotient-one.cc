// Test harness for gpu/device/quotient.h as the CUDA kernel runs it (gpu/cuda/quotient.cu: a batch of one row per
// thread), on the CPU (test/gpu/device.test.ts): reads the inputs and the expected result of one constraint
// quotient (recorded from the native backend, which runs batches of 32) from the file named by argv[1], evaluates
// every row with quotient_batch<1>, and prints "agrees, N rows" or the first row that differs.
// File: little-endian u32 arrays, each its length then its words, in the order of the reads below.
#include <cstdio>
#include <vector>
#include "../../../gpu/device/quotient.h"

namespace {

FILE* in = nullptr;
bool ok = true;

std::vector<uint32_t> array() {
  uint32_t n = 0;
  if (std::fread(&n, 4, 1, in) != 1 || n > (1u << 28)) {
    ok = false;
    return {};
  }
  std::vector<uint32_t> v(n);
  if (n && std::fread(v.data(), 4, n, in) != n) ok = false;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !(in = std::fopen(argv[1], "rb"))) return 2;
  const std::vector<uint32_t> code = array(), roots = array(), dims = array(), main_ = array(), pre = array(), aux = array(), first = array(),
                              last = array(), transition = array(), publics = array(), challenges = array(), claimed = array(), gammas = array(),
                              z_inv = array(), expected = array();
  std::fclose(in);
  if (!ok || dims.size() != 5) {
    std::printf("malformed input\n");
    return 2;
  }
  zpol::QuotientInputs q{reinterpret_cast<const int32_t*>(code.data()), code.size() / 6, reinterpret_cast<const int32_t*>(roots.data()), roots.size(), dims[0], dims[1],
                         main_.data(), dims[2], pre.empty() ? nullptr : pre.data(), dims[3], aux.empty() ? nullptr : aux.data(), dims[4], first.data(), last.data(),
                         transition.data(), publics.data(), publics.size(), challenges.data(), challenges.size() / 4, claimed.data(), gammas.data(), z_inv.data(),
                         z_inv.size()};
  if (!zpol::quotient_valid(q) || expected.size() != 4 * q.height) {
    std::printf("invalid inputs\n");
    return 2;
  }
  std::vector<size_t> off(q.nodes);
  std::vector<uint32_t> reg(zpol::quotient_offsets(q, 1, off.data())), scratch(8), acc(4 * q.height);
  for (size_t i = 0; i < q.height; i++) zpol::quotient_batch<1>(q, i, 1, off.data(), reg.data(), scratch.data(), acc.data());
  for (size_t i = 0; i < q.height; i++) {
    for (int c = 0; c < 4; c++) {
      if (acc[4 * i + c] != expected[4 * i + c]) {
        std::printf("row %zu differs\n", i);
        return 1;
      }
    }
  }
  std::printf("agrees, %zu rows\n", q.height);
  return 0;
}
