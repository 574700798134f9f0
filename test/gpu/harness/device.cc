// Test harness for the shared device headers (test/gpu/device.test.ts): reads commands from stdin, one per line,
// and prints each result as a line of decimal words. The NTT is run butterfly by butterfly as the CUDA kernel runs
// it (gpu/cuda/ntt.cu), so its indexing is checked on the CPU too.
//   extmul a0..a3 b0..b3           the extension product
//   extinv a0..a3                  the extension inverse
//   ntt logN width v...            each column's NTT (row-major, natural order in and out)
//   fold logSize shift b0..b3 cw.. one binary FRI fold of a bit-reversed codeword (4 words per value)
//   deep x z0..z3 s0..s3 width c.. v..   (sum_k c_k v_k - s) / (x - z)
//   leaf rows cols r v0..v(cols-1) a BF16 tensor commitment's leaf
//   blake3 k0..k7 len w...         keyed BLAKE3 of len words
#include <cstdio>
#include <cstring>
#include <vector>
#include "../../../gpu/device/blake3.h"
#include "../../../gpu/device/fri.h"
#include "../../../gpu/device/tensor-commit.h"

using namespace zpol;

static uint32_t read_u32() {
  uint32_t v = 0;
  if (std::scanf("%u", &v) != 1) v = 0;
  return v;
}
static Ext read_ext() { return Ext{{read_u32(), read_u32(), read_u32(), read_u32()}}; }
static void print(const uint32_t* v, size_t n) {
  for (size_t i = 0; i < n; i++) std::printf(i + 1 < n ? "%u " : "%u\n", v[i]);
}

int main() {
  char cmd[16];
  while (std::scanf("%15s", cmd) == 1) {
    if (std::strcmp(cmd, "extmul") == 0) {
      const Ext a = read_ext(), b = read_ext();
      print(ext_mul(a, b).c, 4);
    } else if (std::strcmp(cmd, "extinv") == 0) {
      print(ext_inv(read_ext()).c, 4);
    } else if (std::strcmp(cmd, "ntt") == 0) {
      const int logN = static_cast<int>(read_u32());
      const size_t width = read_u32(), n = size_t{1} << logN;
      std::vector<uint32_t> v(n * width), r(n * width), tw(n < 2 ? 2 : n);
      for (auto& x : v) x = read_u32();
      fill_stage_twiddles(tw.data(), logN);
      for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < width; c++) r[bit_reverse(static_cast<uint32_t>(i), logN) * width + c] = v[i * width + c];
      for (size_t h = 1; h < n; h <<= 1)
        for (size_t c = 0; c < width; c++)
          for (size_t t = 0; t < n / 2; t++) dit_stage_butterfly(r.data() + c, width, t, h, tw.data());
      print(r.data(), r.size());
    } else if (std::strcmp(cmd, "fold") == 0) {
      const int logSize = static_cast<int>(read_u32());
      const uint32_t shift = read_u32();
      const Ext beta = read_ext();
      const size_t half = size_t{1} << (logSize - 1);
      std::vector<uint32_t> cw(8 * half), out(4 * half);
      for (auto& x : cw) x = read_u32();
      for (size_t p = 0; p < half; p++)
        ext_store(out.data() + 4 * p, fri_fold_pair(ext_load(cw.data() + 8 * p), ext_load(cw.data() + 8 * p + 4), fri_inv_two_x(p, logSize, shift), beta));
      print(out.data(), out.size());
    } else if (std::strcmp(cmd, "deep") == 0) {
      const uint32_t x = read_u32();
      const Ext z = read_ext(), s = read_ext();
      const size_t width = read_u32();
      std::vector<uint32_t> coeffs(4 * width), values(width);
      for (auto& c : coeffs) c = read_u32();
      for (auto& c : values) c = read_u32();
      print(deep_term(combine_row(values.data(), width, coeffs.data()), s, x, z).c, 4);
    } else if (std::strcmp(cmd, "leaf") == 0) {
      const uint32_t rows = read_u32(), cols = read_u32(), r = read_u32();
      std::vector<uint16_t> row(cols);
      for (auto& x : row) x = static_cast<uint16_t>(read_u32());
      uint32_t out[8];
      tensor_leaf(rows, cols, r, row.data(), out);
      print(out, 8);
    } else if (std::strcmp(cmd, "blake3") == 0) {
      uint32_t key[8], out[8];
      for (auto& k : key) k = read_u32();
      const size_t len = read_u32();
      std::vector<uint32_t> words(len);
      for (auto& w : words) w = read_u32();
      blake3_keyed_words(key, words.data(), len, out);
      print(out, 8);
    } else {
      std::printf("unknown command %s\n", cmd);
      return 1;
    }
  }
  return 0;
}
