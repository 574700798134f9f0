// The CUDA library's check program (test/gpu/device.test.ts, gpu/run-on-gpu.sh): host code only, compiled with g++
// and linked against gpu/cuda-build/zpol_cuda.so (so nvcc builds the kernels once, in gpu/build-cuda.mjs). Without a usable GPU it prints "SKIPPED: no CUDA device (<error>)" and exits 0; with one, each
// kernel's output is compared with the host's result from the same shared headers, and the BF16 GEMM with the
// TypeScript reference's expected outputs read from a file (test/gpu/gemm-cases.ts writes it), bit for bit. Prints
// one line per check and exits 1 if any differs.
//   cuda-check [--json PATH] [GEMM_CASES_FILE]
// With --json it also times the kernels on the device (zpol_cuda_bench) and writes the checks and the timings to
// PATH as JSON (gpu/run-on-gpu.sh merges it into bench/results/gpu.json).
#include <cstdio>
#include <cstring>
#include <string>
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
std::string checks_json;  // "name": "agrees" | "DIFFERS" | "CUDA error ..."
void report(const char* what, bool ok, int e) {
  const std::string verdict = e != 0 ? std::string("CUDA error ") + zpol_cuda_error_name(e) : ok ? "agrees" : "DIFFERS";
  std::printf("%s: %s\n", what, verdict.c_str());
  checks_json += std::string(checks_json.empty() ? "" : ", ") + "\"" + what + "\": \"" + verdict + "\"";
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
  // 600 columns: 75 words a row, three chunks of 25 (tensor_chunk_words).
  const uint32_t rows = 300, cols = 600;
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
  uint32_t root[8];
  tensor_shaped_root(rows, cols, level.data(), root);
  report("tensor commitment", std::memcmp(gpu, root, 32) == 0, e);
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
  checks_json += std::string(checks_json.empty() ? "" : ", ") + "\"bf16 gemm\": {\"cases\": " + std::to_string(cases.size()) +
                 ", \"elements\": " + std::to_string(elements) + ", \"differ\": " + std::to_string(differ) + "}";
  if (differ) failures++;
}

// One timing as a JSON member: the milliseconds and the rates derived from them; "error" when the run failed.
std::string timed(const char* name, int what, uint64_t n, uint64_t width, int iters, double* ms_out) {
  double ms = 0;
  const int e = zpol_cuda_bench(what, n, width, iters, &ms);
  *ms_out = e == 0 ? ms : 0;
  std::printf("bench %s (%llu x %llu): %s %.4f ms\n", name, static_cast<unsigned long long>(n), static_cast<unsigned long long>(width), e ? zpol_cuda_error_name(e) : "", ms);
  if (e != 0) return std::string("\"") + name + "\": {\"error\": \"" + zpol_cuda_error_name(e) + "\"}";
  char buf[256];
  std::snprintf(buf, sizeof buf, "\"%s\": {\"n\": %llu, \"width\": %llu, \"ms\": %.5f", name, static_cast<unsigned long long>(n), static_cast<unsigned long long>(width), ms);
  return buf;
}

// Device-only timings: the copy bandwidth, then the NTT and the Merkle trees against it, the GEMM and the tensor
// commitment of its output.
std::string bench_json() {
  char buf[512];
  std::string out;
  double copy_ms, ntt_ms, p2_ms, b3_ms, gemm_ms, commit_ms;
  const uint64_t rows = uint64_t{1} << 22, cols = 16;
  out += timed("copy", ZPOL_BENCH_COPY, rows, cols, 20, &copy_ms);
  const double copy_gbps = copy_ms > 0 ? 2.0 * rows * cols * 4 / (copy_ms * 1e6) : 0;  // bytes read + written
  std::snprintf(buf, sizeof buf, ", \"GBps\": %.1f}", copy_gbps);
  out += buf;
  // NTT: log2(n) stages, the bit-reversing permutation and the final copy, each reading and writing every word.
  out += ", " + timed("ntt", ZPOL_BENCH_NTT, rows, cols, 5, &ntt_ms);
  const double passes = 22 + 2, ntt_gbps = ntt_ms > 0 ? passes * 2.0 * rows * cols * 4 / (ntt_ms * 1e6) : 0;
  std::snprintf(buf, sizeof buf, ", \"elementsPerSecond\": %.4g, \"effectiveGBps\": %.1f, \"fractionOfCopyBandwidth\": %.3f}",
                ntt_ms > 0 ? rows * cols / (ntt_ms * 1e-3) : 0, ntt_gbps, copy_gbps > 0 ? ntt_gbps / copy_gbps : 0);
  out += buf;
  const uint64_t leaves = uint64_t{1} << 20, row_words = 16;
  for (int h = 0; h < 2; h++) {
    double& ms = h ? b3_ms : p2_ms;
    out += ", " + timed(h ? "blake3Merkle" : "poseidon2Merkle", h ? ZPOL_BENCH_BLAKE3_MERKLE : ZPOL_BENCH_POSEIDON2_MERKLE, leaves, row_words, 5, &ms);
    const double gbps = ms > 0 ? leaves * row_words * 4.0 / (ms * 1e6) : 0;
    std::snprintf(buf, sizeof buf, ", \"leavesPerSecond\": %.4g, \"inputGBps\": %.2f, \"fractionOfCopyBandwidth\": %.4f}", ms > 0 ? leaves / (ms * 1e-3) : 0, gbps,
                  copy_gbps > 0 ? gbps / copy_gbps : 0);
    out += buf;
  }
  // A GEMM-dominated step: an 8192^3 BF16 product, and the commitment of its 8192 x 8192 output.
  const uint64_t g = 8192;
  out += ", " + timed("gemm", ZPOL_BENCH_GEMM, g, g, 3, &gemm_ms);
  std::snprintf(buf, sizeof buf, ", \"TFLOPs\": %.2f}", gemm_ms > 0 ? 2.0 * g * g * g / (gemm_ms * 1e9) : 0);
  out += buf;
  out += ", " + timed("tensorCommit", ZPOL_BENCH_TENSOR_COMMIT, g, g, 3, &commit_ms);
  std::snprintf(buf, sizeof buf, ", \"shareOfStepWithThisGemm\": %.4f}", gemm_ms + commit_ms > 0 ? commit_ms / (gemm_ms + commit_ms) : 0);
  out += buf;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* json = nullptr;
  const char* cases_path = nullptr;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) json = argv[++i];
    else cases_path = argv[i];
  }
  std::vector<GemmCase> cases;
  if (cases_path) {
    if (!load_gemm(cases_path, cases)) {
      std::printf("bf16 gemm: %s is not a readable cases file\n", cases_path);
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
  if (cases_path) check_gemm(cases);
  if (json) {
    const std::string timings = bench_json();
    FILE* f = std::fopen(json, "w");
    if (!f) {
      std::printf("cannot write %s\n", json);
      return 1;
    }
    std::fprintf(f, "{\"device\": \"%s\", \"checks\": {%s}, \"kernels\": {%s}}\n", name, checks_json.c_str(), timings.c_str());
    std::fclose(f);
  }
  std::printf(failures ? "FAILED: %d checks\n" : "all checks agree\n", failures);
  return failures ? 1 : 0;
}
