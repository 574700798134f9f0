// The CUDA library's check program (test/gpu/device.test.ts, gpu/run-on-gpu.sh): built with the library's sources
// in one nvcc run. Without a usable GPU it prints "SKIPPED: no CUDA device (<error>)" and exits 0; with one, each
// kernel's output is compared with the host's result from the same shared headers, and the BF16 GEMM with the
// TypeScript reference's expected outputs read from a file (test/gpu/gemm-cases.ts writes it), bit for bit. Prints
// one line per check and exits 1 if any differs.
//   cuda-check [GEMM_CASES_FILE]
#include <cstdio>
#include <cstring>
#include <vector>
#include "../../../gpu/cuda/zpol-cuda.h"
#include "../../../gpu/device/blake3.h"
#include "../../../gpu/device/fri.h"
#include "../../../gpu/device/tensor-commit.h"

using namespace zpol;

namespace {

uint64_t state = 0x9E3779B97F4A7C15ull;
uint32_t rnd() {
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(state >> 33);
}
uint32_t felt() { return rnd() % P; }

int failures = 0;
void report(const char* what, bool ok, int e) {
  if (e != 0) std::printf("%s: CUDA error %s\n", what, zpol_cuda_error_name(e));
  else std::printf("%s: %s\n", what, ok ? "agrees" : "DIFFERS");
  if (e != 0 || !ok) failures++;
}

void check_merkle(int hasher, const char* name) {
  const uint64_t height = 1024, widths[2] = {13, 3}, salt_width = 4;
  std::vector<uint32_t> m0(height * widths[0]), m1(height * widths[1]), salts(height * salt_width), key(16);
  for (auto* v : {&m0, &m1, &salts, &key})
    for (auto& x : *v) x = felt();
  const uint32_t* mats[2] = {m0.data(), m1.data()};
  std::vector<uint32_t> gpu((2 * height - 1) * 8), host(gpu.size()), msg(salt_width + widths[0] + widths[1]);
  const int e = zpol_cuda_merkle_layers(hasher, mats, widths, 2, salts.data(), salt_width, height, key.data(), key.data() + 8, gpu.data());
  for (uint64_t i = 0; i < height; i++) {
    size_t o = 0;
    for (uint64_t k = 0; k < salt_width; k++) msg[o++] = salts[i * salt_width + k];
    for (int m = 0; m < 2; m++)
      for (uint64_t k = 0; k < widths[m]; k++) msg[o++] = mats[m][i * widths[m] + k];
    if (hasher == ZPOL_CUDA_BLAKE3) blake3_keyed_words(key.data(), msg.data(), msg.size(), host.data() + 8 * i);
    else p2_hash(msg.data(), static_cast<uint32_t>(msg.size()), host.data() + 8 * i);
  }
  size_t below = 0;
  for (uint64_t n = height / 2, size = height; n >= 1; size = n, n /= 2) {
    const size_t here = below + size * 8;
    for (uint64_t j = 0; j < n; j++) {
      if (hasher == ZPOL_CUDA_BLAKE3) blake3_keyed_64(key.data() + 8, host.data() + below + 16 * j, host.data() + here + 8 * j);
      else p2_compress(host.data() + below + 16 * j, host.data() + here + 8 * j);
    }
    below = here;
  }
  report(name, gpu == host, e);
}

void check_fold() {
  const int log_size = 12;
  const size_t half = size_t{1} << (log_size - 1);
  std::vector<uint32_t> cw(8 * half), gpu(4 * half), host(4 * half);
  for (auto& x : cw) x = felt();
  const uint32_t beta[4] = {felt(), felt(), felt(), felt()}, shift = 31;
  const int e = zpol_cuda_fri_fold(cw.data(), log_size, shift, beta, gpu.data());
  for (size_t p = 0; p < half; p++)
    ext_store(host.data() + 4 * p, fri_fold_pair(ext_load(cw.data() + 8 * p), ext_load(cw.data() + 8 * p + 4), fri_inv_two_x(p, log_size, shift), ext_load(beta)));
  report("fri fold", gpu == host, e);
}

void check_deep() {
  const int log_domain = 10;
  const size_t N = size_t{1} << log_domain;
  const uint64_t widths[3] = {5, 1, 9};
  const uint32_t groups[3] = {0, 1, 0}, shift = 31;
  std::vector<std::vector<uint32_t>> ldes(3), coeffs(3);
  const uint32_t* lp[3];
  const uint32_t* cp[3];
  for (int t = 0; t < 3; t++) {
    ldes[t].resize(N * widths[t]);
    coeffs[t].resize(4 * widths[t]);
    for (auto& x : ldes[t]) x = felt();
    for (auto& x : coeffs[t]) x = felt();
    lp[t] = ldes[t].data();
    cp[t] = coeffs[t].data();
  }
  std::vector<uint32_t> points(8), claimed(8), gpu(4 * N), host(4 * N);
  for (auto& x : points) x = felt();
  for (auto& x : claimed) x = felt();
  const int e = zpol_cuda_deep_quotient(log_domain, shift, 3, lp, widths, groups, cp, 2, points.data(), claimed.data(), gpu.data());
  const uint32_t w = root_of_unity(log_domain);
  uint32_t x = shift;
  for (size_t row = 0; row < N; row++, x = mul(x, w)) {
    Ext acc[2] = {ext_base(0), ext_base(0)};
    for (int t = 0; t < 3; t++) acc[groups[t]] = ext_add(acc[groups[t]], combine_row(lp[t] + row * widths[t], widths[t], cp[t]));
    Ext q = ext_base(0);
    for (int g = 0; g < 2; g++) q = ext_add(q, deep_term(acc[g], ext_load(claimed.data() + 4 * g), x, ext_load(points.data() + 4 * g)));
    ext_store(host.data() + 4 * bit_reverse(static_cast<uint32_t>(row), log_domain), q);
  }
  report("deep quotient", gpu == host, e);
}

void check_tensor() {
  const uint32_t rows = 300, cols = 77;
  std::vector<uint16_t> v(rows * cols);
  for (auto& x : v) x = static_cast<uint16_t>(rnd());
  uint32_t gpu[8];
  const int e = zpol_cuda_tensor_commit(v.data(), rows, cols, gpu);
  size_t width = 2;
  while (width < rows) width *= 2;
  std::vector<uint32_t> level(8 * width, 0);
  for (uint32_t r = 0; r < rows; r++) tensor_leaf(rows, cols, r, v.data() + r * cols, level.data() + 8 * r);
  for (; width > 1; width /= 2)
    for (size_t j = 0; j < width / 2; j++) p2_compress(level.data() + 16 * j, level.data() + 8 * j);
  report("tensor commitment", std::memcmp(gpu, level.data(), 32) == 0, e);
}

// The cases file: "ZGEM", u32 count, then per case u32 M, N, K, A (M K u16), B (K N u16), the reference's
// accumulators (M N u32) and outputs (M N u16); little-endian.
void check_gemm(const char* path) {
  FILE* f = std::fopen(path, "rb");
  char magic[4];
  uint32_t count = 0;
  if (!f || std::fread(magic, 1, 4, f) != 4 || std::memcmp(magic, "ZGEM", 4) != 0 || std::fread(&count, 4, 1, f) != 1) {
    std::printf("bf16 gemm: cannot read %s\n", path);
    failures++;
    if (f) std::fclose(f);
    return;
  }
  size_t elements = 0, differ = 0;
  for (uint32_t c = 0; c < count; c++) {
    uint32_t dims[3];
    if (std::fread(dims, 4, 3, f) != 3) break;
    const uint32_t m = dims[0], n = dims[1], k = dims[2];
    std::vector<uint16_t> a(size_t{m} * k), b(size_t{k} * n), want_out(size_t{m} * n), out(size_t{m} * n);
    std::vector<uint32_t> want_acc(size_t{m} * n), acc(size_t{m} * n);
    if (std::fread(a.data(), 2, a.size(), f) != a.size() || std::fread(b.data(), 2, b.size(), f) != b.size() ||
        std::fread(want_acc.data(), 4, want_acc.size(), f) != want_acc.size() || std::fread(want_out.data(), 2, want_out.size(), f) != want_out.size()) {
      std::printf("bf16 gemm: %s is truncated at case %u\n", path, c);
      failures++;
      break;
    }
    const int e = zpol_cuda_bf16_gemm(a.data(), b.data(), m, n, k, acc.data(), out.data());
    if (e != 0) {
      report("bf16 gemm", false, e);
      break;
    }
    for (size_t i = 0; i < out.size(); i++) {
      if (acc[i] != want_acc[i] || out[i] != want_out[i]) {
        if (differ < 5) std::printf("bf16 gemm: case %u element %zu: acc %08x out %04x, reference %08x %04x\n", c, i, acc[i], out[i], want_acc[i], want_out[i]);
        differ++;
      }
    }
    elements += out.size();
  }
  std::fclose(f);
  std::printf("bf16 gemm: %u cases, %zu elements, %zu differ\n", count, elements, differ);
  if (differ) failures++;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 0;
  const int e = zpol_cuda_device_count(&count);
  if (e != 0 || count == 0) {
    std::printf("SKIPPED: no CUDA device (%s)\n", e != 0 ? zpol_cuda_error_name(e) : "0 devices");
    return 0;
  }
  char name[256];
  zpol_cuda_device_name(name, sizeof name);
  std::printf("device: %s\n", name);
  check_merkle(ZPOL_CUDA_POSEIDON2, "poseidon2 merkle");
  check_merkle(ZPOL_CUDA_BLAKE3, "blake3 merkle");
  check_fold();
  check_deep();
  check_tensor();
  if (argc > 1) check_gemm(argv[1]);
  std::printf(failures ? "FAILED: %d checks\n" : "all checks agree\n", failures);
  return failures ? 1 : 0;
}
