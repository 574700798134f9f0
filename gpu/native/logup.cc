#include "logup.h"

#include <algorithm>
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
// The batch inversion on vectors: `blocks` blocks of 4·L words (an extension element in each lane: coefficient q of
// lane l at q·L + l) inverted into pre, one chain of prefix products a lane over the blocks in order, one inversion a
// lane, the way back; false when a lane's product is zero. Any batching gives the one inverse of each element.
#define ZPOL_INVERT_BLOCKS(NAME, ATTR, V)                                                                             \
  ATTR bool NAME(uint32_t* d, uint32_t* pre, size_t blocks) {                                                         \
    using T = V::T;                                                                                                   \
    constexpr size_t L = V::LANES;                                                                                    \
    T acc[4] = {V::set1(1), V::set1(0), V::set1(0), V::set1(0)};                                                      \
    for (size_t b = 0; b < blocks; b++) {                                                                             \
      T x[4];                                                                                                         \
      for (int q = 0; q < 4; q++) {                                                                                   \
        V::store(pre + b * 4 * L + q * L, acc[q]);                                                                    \
        x[q] = V::load(d + b * 4 * L + q * L);                                                                        \
      }                                                                                                               \
      V::ext_mul(acc, x, acc);                                                                                        \
    }                                                                                                                 \
    uint32_t lanes[4 * L];                                                                                            \
    for (int q = 0; q < 4; q++) V::store(lanes + q * L, acc[q]);                                                      \
    for (size_t l = 0; l < L; l++) {                                                                                  \
      const Ext e = Ext{{lanes[l], lanes[L + l], lanes[2 * L + l], lanes[3 * L + l]}};                                \
      if (ext_is_zero(e)) return false;                                                                               \
      const Ext i = ext_inv(e);                                                                                       \
      for (int q = 0; q < 4; q++) lanes[q * L + l] = i.c[q];                                                          \
    }                                                                                                                 \
    for (int q = 0; q < 4; q++) acc[q] = V::load(lanes + q * L);                                                      \
    for (size_t b = blocks; b-- > 0;) {                                                                               \
      T x[4], p[4], r[4];                                                                                             \
      for (int q = 0; q < 4; q++) {                                                                                   \
        x[q] = V::load(d + b * 4 * L + q * L);                                                                        \
        p[q] = V::load(pre + b * 4 * L + q * L);                                                                      \
      }                                                                                                               \
      V::ext_mul(p, acc, r);                                                                                          \
      V::ext_mul(acc, x, acc);                                                                                        \
      for (int q = 0; q < 4; q++) V::store(pre + b * 4 * L + q * L, r[q]);                                            \
    }                                                                                                                 \
    return true;                                                                                                      \
  }

ZPOL_INVERT_BLOCKS(invert_blocks_avx512, __attribute__((target("avx512f"))), V512)
ZPOL_INVERT_BLOCKS(invert_blocks_avx2, __attribute__((target("avx2"))), V256)

// The same on LANES interleaved chains at once (element i in lane i mod LANES, padded with ones), each lane's product
// inverted on its own: the vectorised products do the work of the scalar chain.
#define ZPOL_INVERT_ALL(NAME, ATTR, V, BLOCKS)                                                                        \
  ATTR bool NAME(const Ext* dens, size_t count, Ext* inv) {                                                           \
    constexpr size_t L = V::LANES;                                                                                    \
    const size_t blocks = (count + L - 1) / L;                                                                        \
    std::vector<uint32_t> d(blocks * 4 * L), pre(blocks * 4 * L);                                                     \
    for (size_t i = 0; i < blocks * L; i++) {                                                                         \
      const Ext e = i < count ? dens[i] : ext_base(1);                                                                \
      for (int c = 0; c < 4; c++) d[(i / L) * 4 * L + c * L + i % L] = e.c[c];                                        \
    }                                                                                                                 \
    if (!BLOCKS(d.data(), pre.data(), blocks)) return false;                                                          \
    for (size_t i = 0; i < count; i++)                                                                                \
      for (int c = 0; c < 4; c++) inv[i].c[c] = pre[(i / L) * 4 * L + c * L + i % L];                                 \
    return true;                                                                                                      \
  }

ZPOL_INVERT_ALL(invert_avx512, __attribute__((target("avx512f"))), V512, invert_blocks_avx512)
ZPOL_INVERT_ALL(invert_avx2, __attribute__((target("avx2"))), V256, invert_blocks_avx2)
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

// Rows [begin, end) of the auxiliary trace (their group sums and row totals into out, 4·width words a row): the
// denominators β − bus − Σ α_v·x_v of the interactions, inverted in one batch, times the multiplicities. A row's
// interactions and the rows in between are independent, so the work is laid out for vectors: lane l of block
// (g·k + j) holds interaction j of row begin + g·L + l, whose value vectors are L consecutive words, and a row's
// group sums add whole vectors. The batch inversion runs one chain per lane over the blocks in order (prefix
// products, one inversion a lane, the way back); any batching gives the one inverse of each element. Rows past `end`
// are padded with denominator 1 and multiplicity 0. False when a denominator is zero.
#ifdef ZPOL_X86
#define ZPOL_LOGUP_ROWS(NAME, ATTR, V, BLOCKS)                                                                        \
  /* Row group r0's L words of vector v (zeros past end). */                                                          \
  ATTR inline V::T NAME##_load(const LogupInputs& in, int32_t v, size_t r0, size_t end, uint32_t* pad) {              \
    constexpr size_t L = V::LANES;                                                                                    \
    const uint32_t* src = in.vectors + static_cast<size_t>(v) * in.height + r0;                                       \
    if (r0 + L <= end) return V::load(src);                                                                           \
    for (size_t l = 0; l < L; l++) pad[l] = r0 + l < end ? src[l] : 0;                                                \
    return V::load(pad);                                                                                              \
  }                                                                                                                   \
  ATTR bool NAME(const LogupInputs& in, const size_t* at, const uint32_t* alpha_mont, size_t begin, size_t end,       \
                 uint32_t* d, uint32_t* pre, uint32_t* out) {                                                         \
    using T = V::T;                                                                                                   \
    constexpr size_t L = V::LANES;                                                                                    \
    const size_t k = in.interactions, width = in.groups + 1;                                                          \
    const size_t groups_of_rows = (end - begin + L - 1) / L;                                                          \
    const T r2 = V::set1(MONT_R2);                                                                                    \
    const Ext beta = ext_load(in.challenges);                                                                         \
    uint32_t pad[L];                                                                                                  \
    for (size_t g = 0; g < groups_of_rows; g++) {                                                                     \
      const size_t r0 = begin + g * L;                                                                                \
      for (size_t j = 0; j < k; j++) {                                                                                \
        const int32_t* s = in.spec + at[j];                                                                           \
        const Ext c0 = ext_sub(beta, ext_base(static_cast<uint32_t>(s[0])));                                          \
        T c[4] = {V::set1(c0.c[0]), V::set1(c0.c[1]), V::set1(c0.c[2]), V::set1(c0.c[3])};                            \
        for (int32_t v = 0; v < s[1]; v++) {                                                                          \
          const T x = NAME##_load(in, s[2 + v], r0, end, pad);                                                        \
          for (int q = 0; q < 4; q++) c[q] = V::sub(c[q], V::mont(x, V::set1(alpha_mont[4 * v + q])));                \
        }                                                                                                             \
        uint32_t* dst = d + (g * k + j) * 4 * L;                                                                      \
        for (int q = 0; q < 4; q++) V::store(dst + q * L, c[q]);                                                      \
        for (size_t l = end - r0 < L ? end - r0 : L; l < L; l++)                                                      \
          for (int q = 0; q < 4; q++) dst[q * L + l] = q == 0 ? 1 : 0;                                                \
      }                                                                                                               \
    }                                                                                                                 \
    if (!BLOCKS(d, pre, groups_of_rows * k)) return false;                                                            \
    /* Each group's sum and the row's total: d reused for width × 4 vectors. */                                       \
    for (size_t g = 0; g < groups_of_rows; g++) {                                                                     \
      const size_t r0 = begin + g * L;                                                                                \
      T sum[4 * 64];                                                                                                  \
      for (size_t w = 0; w < 4 * width; w++) sum[w] = V::set1(0);                                                     \
      for (size_t j = 0; j < k; j++) {                                                                                \
        const int32_t grp = in.group_of[j];                                                                           \
        if (grp < 0) continue;                                                                                        \
        const int32_t* s = in.spec + at[j];                                                                           \
        const T m = V::mont(NAME##_load(in, s[2 + s[1]], r0, end, pad), r2); /* the multiplicity in Montgomery form */ \
        const uint32_t* inv = pre + (g * k + j) * 4 * L;                                                              \
        for (int q = 0; q < 4; q++) {                                                                                 \
          const T h = V::mont(V::load(inv + q * L), m);                                                               \
          sum[4 * grp + q] = V::add(sum[4 * grp + q], h);                                                             \
          sum[4 * in.groups + q] = V::add(sum[4 * in.groups + q], h);                                                 \
        }                                                                                                             \
      }                                                                                                               \
      uint32_t* t = d;                                                                                                \
      for (size_t w = 0; w < 4 * width; w++) V::store(t + w * L, sum[w]);                                             \
      const size_t valid = end - r0 < L ? end - r0 : L;                                                               \
      for (size_t l = 0; l < valid; l++) {                                                                            \
        uint32_t* row = out + 4 * (r0 + l) * width;                                                                   \
        for (size_t w = 0; w < 4 * width; w++) row[w] = t[w * L + l];                                                 \
      }                                                                                                               \
    }                                                                                                                 \
    return true;                                                                                                      \
  }

ZPOL_LOGUP_ROWS(logup_rows_avx512, __attribute__((target("avx512f"))), V512, invert_blocks_avx512)
ZPOL_LOGUP_ROWS(logup_rows_avx2, __attribute__((target("avx2"))), V256, invert_blocks_avx2)
#endif

// Rows the vector kernel takes at a time: their denominators and prefix products stay in the core's cache.
constexpr size_t LOGUP_CHUNK = 256;
// The most groups the vector kernel's register array holds (sum[4 · 64]); wider layouts take the scalar loop.
constexpr size_t LOGUP_MAX_WIDTH = 64;

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
#ifdef ZPOL_X86
  const char* level = simd_level();
  const bool avx512 = std::strcmp(level, "avx512") == 0, avx2 = std::strcmp(level, "avx2") == 0;
  if ((avx512 || avx2) && width <= LOGUP_MAX_WIDTH) {
    parallel_for(n, n * k, size_t{1} << 12, [&](size_t begin, size_t end) {
      // A chunk's denominators (4 words an interaction and row; then the group sums' transpose, 4·width words a
      // row of 16) and prefix products.
      std::vector<uint32_t> d(LOGUP_CHUNK * 4 * std::max(k, width)), pre(LOGUP_CHUNK * 4 * k);
      for (size_t r = begin; r < end && !zero; r += LOGUP_CHUNK) {
        const size_t e = std::min(end, r + LOGUP_CHUNK);
        const bool ok = avx512 ? logup_rows_avx512(in, at.data(), alpha_mont.data(), r, e, d.data(), pre.data(), out)
                               : logup_rows_avx2(in, at.data(), alpha_mont.data(), r, e, d.data(), pre.data(), out);
        if (!ok) zero = true;
      }
    }, LOGUP_CHUNK);
  } else
#endif
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
