// The CUDA library's check program (test/gpu/device.test.ts, gpu/run-on-gpu.sh): host code only, compiled with g++
// and linked against gpu/cuda-build/zpol_cuda.so (so nvcc builds the kernels once, in gpu/build-cuda.mjs). Without a usable GPU it prints "SKIPPED: no CUDA device (<error>)" and exits 0; with one, each
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
struct GemmCase {
  uint32_t m, n, k;
  std::vector<uint16_t> a, b, want_out;
  std::vector<uint32_t> want_acc;
};

bool load_gemm(const char* path, std::vector<GemmCase>& cases) {
  FILE* f = std::fopen(path, "rb");
  char magic[4];
  uint32_t count = 0;
  bool ok = f && std::fread(magic, 1, 4, f) == 4 && std::memcmp(magic, "ZGEM", 4) == 0 && std::fread(&count, 4, 1, f) == 1;
  for (uint32_t c = 0; ok && c < count; c++) {
    GemmCase g;
    uint32_t dims[3];
    ok = std::fread(dims, 4, 3, f) == 3 && dims[0] % 16 == 0 && dims[1] % 8 == 0 && dims[2] % 16 == 0 && dims[0] && dims[1] && dims[0] <= 4096 && dims[1] <= 4096 && dims[2] <= 65536;
    if (!ok) break;
    g.m = dims[0], g.n = dims[1], g.k = dims[2];
    g.a.resize(size_t{g.m} * g.k), g.b.resize(size_t{g.k} * g.n), g.want_acc.resize(size_t{g.m} * g.n), g.want_out.resize(size_t{g.m} * g.n);
    ok = std::fread(g.a.data(), 2, g.a.size(), f) == g.a.size() && std::fread(g.b.data(), 2, g.b.size(), f) == g.b.size() &&
         std::fread(g.want_acc.data(), 4, g.want_acc.size(), f) == g.want_acc.size() && std::fread(g.want_out.data(), 2, g.want_out.size(), f) == g.want_out.size();
    if (ok) cases.push_back(std::move(g));
  }
  if (ok && std::fgetc(f) != EOF) ok = false;  // trailing bytes: not this format
  if (f) std::fclose(f);
  return ok;
}

void check_gemm(const std::vector<GemmCase>& cases) {
  size_t elements = 0, differ = 0;
  for (size_t c = 0; c < cases.size(); c++) {
    const GemmCase& g = cases[c];
    std::vector<uint16_t> out(g.want_out.size());
    std::vector<uint32_t> acc(g.want_acc.size());
    const int e = zpol_cuda_bf16_gemm(g.a.data(), g.b.data(), g.m, g.n, g.k, acc.data(), out.data());
    if (e != 0) {
      report("bf16 gemm", false, e);
      return;
    }
    for (size_t i = 0; i < out.size(); i++) {
      if (acc[i] != g.want_acc[i] || out[i] != g.want_out[i]) {
        if (differ < 5) std::printf("bf16 gemm: case %zu element %zu: acc %08x out %04x, reference %08x %04x\n", c, i, acc[i], out[i], g.want_acc[i], g.want_out[i]);
        differ++;
      }
    }
    elements += out.size();
  }
  std::printf("bf16 gemm: %zu cases, %zu elements, %zu differ from the reference\n", cases.size(), elements, differ);
  if (differ) failures++;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<GemmCase> cases;
  if (argc > 1) {
    if (!load_gemm(argv[1], cases)) {
      std::printf("bf16 gemm: %s is not a readable cases file\n", argv[1]);
      return 1;
    }
    size_t elements = 0;
    for (const auto& g : cases) elements += g.want_out.size();
    std::printf("bf16 gemm cases: %zu, %zu elements\n", cases.size(), elements);
  }
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
  if (argc > 1) check_gemm(cases);
  std::printf(failures ? "FAILED: %d checks\n" : "all checks agree\n", failures);
  return failures ? 1 : 0;
}
