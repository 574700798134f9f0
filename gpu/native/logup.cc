#include "logup.h"

#include <atomic>
#include <cstring>
#include <vector>

#include "../device/extension.h"
#include "parallel.h"
#include "simd-field.h"
#include "simd.h"

namespace zpol {

namespace {

// inv[i] = 1 / dens[i] for i < count by one batch inversion (prefix products, one inversion, the way back); false
// when some dens[i] is zero. Every batching gives the one inverse of each element.
bool invert_scalar(const Ext* dens, size_t count, Ext* inv) {
  Ext acc = ext_base(1);
  for (size_t i = 0; i < count; i++) {
    inv[i] = acc;
    acc = ext_mul(acc, dens[i]);
  }
  if (ext_is_zero(acc)) return false;
  acc = ext_inv(acc);
  for (size_t i = count; i-- > 0;) {
    const Ext x = ext_mul(inv[i], acc);
    acc = ext_mul(acc, dens[i]);
    inv[i] = x;
  }
  return true;
}

#ifdef ZPOL_X86
// The same on LANES interleaved chains at once (element i in lane i mod LANES, padded with ones), each lane's product
// inverted on its own: the vectorised products do the work of the scalar chain.
#define ZPOL_INVERT_ALL(NAME, ATTR, V)                                                                                \
  ATTR bool NAME(const Ext* dens, size_t count, Ext* inv) {                                                           \
    using T = V::T;                                                                                                   \
    constexpr size_t L = V::LANES;                                                                                    \
    const size_t blocks = (count + L - 1) / L;                                                                        \
    std::vector<uint32_t> d(blocks * 4 * L), pre(blocks * 4 * L);                                                     \
    for (size_t i = 0; i < blocks * L; i++) {                                                                         \
      const Ext e = i < count ? dens[i] : ext_base(1);                                                                \
      for (int c = 0; c < 4; c++) d[(i / L) * 4 * L + c * L + i % L] = e.c[c];                                        \
    }                                                                                                                 \
    T acc[4] = {V::set1(1), V::set1(0), V::set1(0), V::set1(0)};                                                      \
    for (size_t b = 0; b < blocks; b++) {                                                                             \
      T x[4];                                                                                                         \
      for (int c = 0; c < 4; c++) {                                                                                   \
        V::store(pre.data() + b * 4 * L + c * L, acc[c]);                                                             \
        x[c] = V::load(d.data() + b * 4 * L + c * L);                                                                 \
      }                                                                                                               \
      V::ext_mul(acc, x, acc);                                                                                        \
    }                                                                                                                 \
    uint32_t lanes[4 * L];                                                                                            \
    for (int c = 0; c < 4; c++) V::store(lanes + c * L, acc[c]);                                                      \
    for (size_t l = 0; l < L; l++) {                                                                                  \
      const Ext e = ext_inv(Ext{{lanes[l], lanes[L + l], lanes[2 * L + l], lanes[3 * L + l]}});                       \
      if (ext_is_zero(e)) return false;                                                                               \
      for (int c = 0; c < 4; c++) lanes[c * L + l] = e.c[c];                                                          \
    }                                                                                                                 \
    for (int c = 0; c < 4; c++) acc[c] = V::load(lanes + c * L);                                                      \
    for (size_t b = blocks; b-- > 0;) {                                                                               \
      T x[4], p[4], r[4];                                                                                             \
      for (int c = 0; c < 4; c++) {                                                                                   \
        x[c] = V::load(d.data() + b * 4 * L + c * L);                                                                 \
        p[c] = V::load(pre.data() + b * 4 * L + c * L);                                                               \
      }                                                                                                               \
      V::ext_mul(p, acc, r);                                                                                          \
      V::ext_mul(acc, x, acc);                                                                                        \
      for (int c = 0; c < 4; c++) V::store(pre.data() + b * 4 * L + c * L, r[c]);                                    \
    }                                                                                                                 \
    for (size_t i = 0; i < count; i++)                                                                                \
      for (int c = 0; c < 4; c++) inv[i].c[c] = pre[(i / L) * 4 * L + c * L + i % L];                                 \
    return true;                                                                                                      \
  }

ZPOL_INVERT_ALL(invert_avx512, __attribute__((target("avx512f"))), V512)
ZPOL_INVERT_ALL(invert_avx2, __attribute__((target("avx2"))), V256)
#endif

// The batch inversion with the vector version simd.h chose (ZPOL_SIMD caps it).
bool invert_all(const Ext* dens, size_t count, Ext* inv) {
#ifdef ZPOL_X86
  const char* level = simd_level();
  if (std::strcmp(level, "avx512") == 0) return invert_avx512(dens, count, inv);
  if (std::strcmp(level, "avx2") == 0) return invert_avx2(dens, count, inv);
#endif
  return invert_scalar(dens, count, inv);
}

}  // namespace

int logup_aux(const LogupInputs& in, uint32_t* out, uint32_t claimed[4]) {
  const size_t n = in.height, k = in.interactions, width = in.groups + 1;
  // Parse the spec once: where each interaction's fields start, every index in range.
  std::vector<size_t> at(k);
  size_t o = 0;
  for (size_t j = 0; j < k; j++) {
    if (o + 2 > in.spec_len) return 1;
    at[j] = o;
    const int32_t count = in.spec[o + 1];
    if (count < 0 || static_cast<size_t>(count) + 1 > in.challenge_count || o + 3 + count > in.spec_len) return 1;
    for (int32_t v = 0; v <= count; v++) {
      const int32_t idx = in.spec[o + 2 + v];
      if (idx < 0 || static_cast<size_t>(idx) >= in.vector_count) return 1;
    }
    if (in.spec[o] < 0 || static_cast<uint32_t>(in.spec[o]) >= P) return 1;
    if (in.group_of[j] < -1 || in.group_of[j] >= static_cast<int32_t>(in.groups)) return 1;
    o += 3 + count;
  }
  if (o != in.spec_len) return 1;
  for (size_t i = 0; i < in.vector_count * n; i++)
    if (in.vectors[i] >= P) return 1;
  const Ext beta = ext_load(in.challenges);
  // The α's coefficients in Montgomery form: α·v is then one Montgomery product a coefficient.
  std::vector<uint32_t> alpha_mont(4 * (in.challenge_count - 1));
  for (size_t i = 0; i < alpha_mont.size(); i++) alpha_mont[i] = to_mont(in.challenges[4 + i]);
  std::atomic<bool> zero{false};
  // Per row: the denominators, inverted in a batch per chunk of rows (any batching gives the one inverse), each
  // group's sum, and the row's total (the running sum is a prefix pass below).
  parallel_for(n, n * k, size_t{1} << 12, [&](size_t begin, size_t end) {
    const size_t count = (end - begin) * k;
    std::vector<Ext> dens(count), prefix(count);
    for (size_t row = begin; row < end; row++) {
      for (size_t j = 0; j < k; j++) {
        const int32_t* s = in.spec + at[j];
        Ext c = ext_sub(beta, ext_base(static_cast<uint32_t>(s[0])));
        for (int32_t v = 0; v < s[1]; v++) {
          const uint32_t x = in.vectors[s[2 + v] * n + row];
          const uint32_t* a = alpha_mont.data() + 4 * v;
          c = ext_sub(c, Ext{{mul_mont(x, a[0]), mul_mont(x, a[1]), mul_mont(x, a[2]), mul_mont(x, a[3])}});
        }
        dens[(row - begin) * k + j] = c;
      }
    }
    if (!invert_all(dens.data(), count, prefix.data())) {
      zero = true;
      return;
    }
    for (size_t row = begin; row < end; row++) {
      uint32_t* dst = out + 4 * row * width;
      for (size_t w = 0; w < 4 * width; w++) dst[w] = 0;
      Ext total = ext_base(0);
      for (size_t j = 0; j < k; j++) {
        const int32_t g = in.group_of[j];
        if (g < 0) continue;
        const int32_t* s = in.spec + at[j];
        const Ext h = ext_mul_base(prefix[(row - begin) * k + j], in.vectors[s[2 + s[1]] * n + row]);
        ext_store(dst + 4 * g, ext_add(ext_load(dst + 4 * g), h));
        total = ext_add(total, h);
      }
      ext_store(dst + 4 * in.groups, total);
    }
  });
  if (zero) return 2;
  Ext running = ext_base(0);
  for (size_t row = 0; row < n; row++) {
    uint32_t* r = out + 4 * (row * width + in.groups);
    running = ext_add(running, ext_load(r));
    ext_store(r, running);
  }
  ext_store(claimed, running);
  return 0;
}

}  // namespace zpol
