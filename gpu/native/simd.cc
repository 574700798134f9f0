// The vectorised butterflies of simd.h: AVX-512, AVX2 and scalar versions, one chosen at run time.
#include "simd.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "../device/butterfly.h"

#include "simd-field.h"

namespace zpol {
namespace {

inline void scalar_by(uint32_t* x, uint32_t* y, uint32_t t, size_t len) {
  for (size_t i = 0; i < len; i++) {
    const Butterfly b = dit_butterfly(x[i], y[i], t);
    x[i] = b.x;
    y[i] = b.y;
  }
}

void scalar_tw(uint32_t* x, uint32_t* y, const uint32_t* tw, size_t len) {
  for (size_t i = 0; i < len; i++) {
    const Butterfly b = dit_butterfly(x[i], y[i], tw[i]);
    x[i] = b.x;
    y[i] = b.y;
  }
}

void scalar_scale(uint32_t* v, uint32_t t, size_t len) {
  for (size_t i = 0; i < len; i++) v[i] = mul_mont(v[i], t);
}

void scalar_spread(uint32_t* out, size_t width, const uint32_t* a, const uint32_t* b, uint32_t sa, uint32_t sb, const uint32_t* tw, size_t blowup,
                   size_t len) {
  for (size_t c = 0; c < len; c++) {
    const uint32_t A = mul_mont(a[c], sa), B = mul_mont(b[c], sb);
    for (size_t k = 0; k < blowup; k++) {
      const Butterfly r = dit_butterfly(A, B, tw[k]);
      out[k * width + c] = r.x;
      out[(blowup + k) * width + c] = r.y;
    }
  }
}

#ifdef ZPOL_X86
// ---- AVX-512: 16 lanes ----
__attribute__((target("avx512f"))) inline void bfly512(uint32_t* x, uint32_t* y, __m512i t) {
  const __m512i p = _mm512_set1_epi32(static_cast<int>(P));
  const __m512i a = _mm512_loadu_si512(x);
  const __m512i ty = V512::mont(_mm512_loadu_si512(y), t);
  const __m512i s = _mm512_add_epi32(a, ty);
  const __m512i d = _mm512_sub_epi32(a, ty);
  _mm512_storeu_si512(x, _mm512_min_epu32(s, _mm512_sub_epi32(s, p)));
  _mm512_storeu_si512(y, _mm512_min_epu32(d, _mm512_add_epi32(d, p)));
}

// The same on the first `len` < 16 lanes only (masked loads and stores): a row narrower than a vector, or a tail.
__attribute__((target("avx512f"))) inline void bfly512_part(uint32_t* x, uint32_t* y, __m512i t, size_t len) {
  const __mmask16 m = static_cast<__mmask16>((1u << len) - 1);
  const __m512i p = _mm512_set1_epi32(static_cast<int>(P));
  const __m512i a = _mm512_maskz_loadu_epi32(m, x);
  const __m512i ty = V512::mont(_mm512_maskz_loadu_epi32(m, y), t);
  const __m512i s = _mm512_add_epi32(a, ty);
  const __m512i d = _mm512_sub_epi32(a, ty);
  _mm512_mask_storeu_epi32(x, m, _mm512_min_epu32(s, _mm512_sub_epi32(s, p)));
  _mm512_mask_storeu_epi32(y, m, _mm512_min_epu32(d, _mm512_add_epi32(d, p)));
}

__attribute__((target("avx512f"), always_inline)) inline void avx512_by(uint32_t* x, uint32_t* y, uint32_t t, size_t len) {
  const __m512i tv = _mm512_set1_epi32(static_cast<int>(t));
  size_t i = 0;
  for (; i + 16 <= len; i += 16) bfly512(x + i, y + i, tv);
  if (i < len) bfly512_part(x + i, y + i, tv, len - i);
}

__attribute__((target("avx512f"))) void avx512_tw(uint32_t* x, uint32_t* y, const uint32_t* tw, size_t len) {
  size_t i = 0;
  for (; i + 16 <= len; i += 16) bfly512(x + i, y + i, _mm512_loadu_si512(tw + i));
  if (i < len) bfly512_part(x + i, y + i, _mm512_maskz_loadu_epi32(static_cast<__mmask16>((1u << (len - i)) - 1), tw + i), len - i);
}

__attribute__((target("avx512f"))) void avx512_scale(uint32_t* v, uint32_t t, size_t len) {
  const __m512i tv = _mm512_set1_epi32(static_cast<int>(t));
  size_t i = 0;
  for (; i + 16 <= len; i += 16) _mm512_storeu_si512(v + i, V512::mont(_mm512_loadu_si512(v + i), tv));
  if (i < len) {
    const __mmask16 m = static_cast<__mmask16>((1u << (len - i)) - 1);
    _mm512_mask_storeu_epi32(v + i, m, V512::mont(_mm512_maskz_loadu_epi32(m, v + i), tv));
  }
}

__attribute__((target("avx512f"))) void avx512_spread(uint32_t* out, size_t width, const uint32_t* a, const uint32_t* b, uint32_t sa, uint32_t sb,
                                                    const uint32_t* tw, size_t blowup, size_t len) {
  const __m512i va = _mm512_set1_epi32(static_cast<int>(sa)), vb = _mm512_set1_epi32(static_cast<int>(sb));
  for (size_t c = 0; c < len; c += 16) {
    const __mmask16 m = len - c >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (len - c)) - 1);
    const __m512i A = V512::mont(_mm512_maskz_loadu_epi32(m, a + c), va);
    const __m512i B = V512::mont(_mm512_maskz_loadu_epi32(m, b + c), vb);
    for (size_t k = 0; k < blowup; k++) {
      const __m512i t = V512::mont(B, _mm512_set1_epi32(static_cast<int>(tw[k])));
      _mm512_mask_storeu_epi32(out + k * width + c, m, V512::add(A, t));
      _mm512_mask_storeu_epi32(out + (blowup + k) * width + c, m, V512::sub(A, t));
    }
  }
}

// ---- AVX2: 8 lanes ----
__attribute__((target("avx2"))) inline void bfly256(uint32_t* x, uint32_t* y, __m256i t) {
  const __m256i p = _mm256_set1_epi32(static_cast<int>(P));
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
  const __m256i ty = V256::mont(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y)), t);
  const __m256i s = _mm256_add_epi32(a, ty);
  const __m256i d = _mm256_sub_epi32(a, ty);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(x), _mm256_min_epu32(s, _mm256_sub_epi32(s, p)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), _mm256_min_epu32(d, _mm256_add_epi32(d, p)));
}

__attribute__((target("avx2"), always_inline)) inline void avx2_by(uint32_t* x, uint32_t* y, uint32_t t, size_t len) {
  const __m256i tv = _mm256_set1_epi32(static_cast<int>(t));
  size_t i = 0;
  for (; i + 8 <= len; i += 8) bfly256(x + i, y + i, tv);
  scalar_by(x + i, y + i, t, len - i);
}

__attribute__((target("avx2"))) void avx2_tw(uint32_t* x, uint32_t* y, const uint32_t* tw, size_t len) {
  size_t i = 0;
  for (; i + 8 <= len; i += 8) bfly256(x + i, y + i, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tw + i)));
  scalar_tw(x + i, y + i, tw + i, len - i);
}

__attribute__((target("avx2"))) void avx2_scale(uint32_t* v, uint32_t t, size_t len) {
  const __m256i tv = _mm256_set1_epi32(static_cast<int>(t));
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256i r = V256::mont(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i)), tv);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(v + i), r);
  }
  scalar_scale(v + i, t, len - i);
}

__attribute__((target("avx2"))) void avx2_spread(uint32_t* out, size_t width, const uint32_t* a, const uint32_t* b, uint32_t sa, uint32_t sb,
                                                const uint32_t* tw, size_t blowup, size_t len) {
  const __m256i va = _mm256_set1_epi32(static_cast<int>(sa)), vb = _mm256_set1_epi32(static_cast<int>(sb));
  size_t c = 0;
  for (; c + 8 <= len; c += 8) {
    const __m256i A = V256::mont(V256::load(a + c), va);
    const __m256i B = V256::mont(V256::load(b + c), vb);
    for (size_t k = 0; k < blowup; k++) {
      const __m256i t = V256::mont(B, _mm256_set1_epi32(static_cast<int>(tw[k])));
      V256::store(out + k * width + c, V256::add(A, t));
      V256::store(out + (blowup + k) * width + c, V256::sub(A, t));
    }
  }
  scalar_spread(out + c, width, a + c, b + c, sa, sb, tw, blowup, len - c);
}
#endif


// The NTTs' stage loops on rows (ntt.cc dit_rows), stamped out per version with its run of butterflies inlined:
// RANGE runs the stages with half-size [h0, h1) on rows [r0, r1), columns [c0, c1); GROUP the k stages h .. h·2^(k−1)
// together on every row (the rows b + j + m·h, m < 2^k, of each aligned block b of 2^k·h rows meet only each other).
// RANGE is the scalar version's alone: the vector versions build theirs from their register groups (below), and take
// GROUP from here as those groups' fallback.
void scalar_rows_range(uint32_t* v, size_t width, size_t r0, size_t r1, size_t c0, size_t c1, size_t h0, size_t h1,
                       const uint32_t* tw) {
  const size_t len = c1 - c0;
  for (size_t h = h0; h < h1; h <<= 1) {
    for (size_t b = r0; b < r1; b += 2 * h) {
      for (size_t j = 0; j < h; j++) {
        uint32_t* x = v + (b + j) * width + c0;
        scalar_by(x, x + h * width, tw[h + j], len);
      }
    }
  }
}

#define ZPOL_ROW_GROUP(NAME, ATTR, RUN)                                                                               \
  ATTR void NAME##_group(uint32_t* v, size_t n, size_t width, size_t c0, size_t c1, size_t h, int k,                 \
                         const uint32_t* tw) {                                                                        \
    const size_t len = c1 - c0;                                                                                       \
    const size_t count = size_t{1} << k;                                                                              \
    for (size_t b = 0; b < n; b += h << k) {                                                                          \
      for (size_t j = 0; j < h; j++) {                                                                                \
        uint32_t* base = v + (b + j) * width + c0;                                                                    \
        for (int s = 0; s < k; s++) {                                                                                 \
          const size_t g = h << s;                                                                                    \
          const size_t low = (size_t{1} << s) - 1;                                                                    \
          for (size_t m = 0; m < count; m++) {                                                                        \
            if (m & (size_t{1} << s)) continue;                                                                       \
            uint32_t* x = base + m * h * width;                                                                       \
            RUN(x, x + g * width, tw[g + j + (m & low) * h], len);                                                    \
          }                                                                                                           \
        }                                                                                                             \
      }                                                                                                               \
    }                                                                                                                 \
  }

ZPOL_ROW_GROUP(scalar_rows, , scalar_by)
#ifdef ZPOL_X86
ZPOL_ROW_GROUP(avx512_rows, __attribute__((target("avx512f"))), avx512_by)
ZPOL_ROW_GROUP(avx2_rows, __attribute__((target("avx2"))), avx2_by)

// GROUP's k ≤ 4 stages with the 2^k rows of one (b, j) held in vector registers, one vector of columns at a time:
// each entry is loaded and stored once for the k stages, where the loop above loads and stores it once a stage.
// The same butterflies on the same entries, so the same bits. With MASKED (AVX-512) the columns past the last whole
// vector run as one masked vector; without, they take the loop above.
#define ZPOL_REGISTER_STAGES(V, K, x, w)                                                                              \
  _Pragma("GCC unroll 16") for (int s = 0; s < K; s++) {                                                              \
    const size_t g = size_t{1} << s;                                                                                  \
    _Pragma("GCC unroll 16") for (size_t m = 0; m < (size_t{1} << K); m++) {                                          \
      if (m & g) continue;                                                                                            \
      const typename V::T t = V::mont(x[m + g], V::set1(w[g + (m & (g - 1))]));                                       \
      x[m + g] = V::sub(x[m], t);                                                                                     \
      x[m] = V::add(x[m], t);                                                                                         \
    }                                                                                                                 \
  }

#define ZPOL_REGISTER_GROUP(NAME, ATTR, V, MASKED, FALLBACK)                                                          \
  template <int K>                                                                                                    \
  ATTR void NAME##_regs(uint32_t* v, size_t n, size_t width, size_t c0, size_t len, size_t h, const uint32_t* tw) {   \
    constexpr size_t COUNT = size_t{1} << K;                                                                          \
    uint32_t w[COUNT];                                                                                                \
    for (size_t b = 0; b < n; b += h << K) {                                                                          \
      for (size_t j = 0; j < h; j++) {                                                                                \
        /* stage s's twiddle q < 2^s (pair m, m + 2^s with m mod 2^s = q) at w[2^s + q] */                            \
        for (int s = 0; s < K; s++) {                                                                                 \
          for (size_t q = 0; q < (size_t{1} << s); q++) w[(size_t{1} << s) + q] = tw[(h << s) + j + q * h];           \
        }                                                                                                             \
        uint32_t* base = v + (b + j) * width + c0;                                                                    \
        size_t c = 0;                                                                                                 \
        for (; c + V::LANES <= len; c += V::LANES) {                                                                  \
          typename V::T x[COUNT];                                                                                     \
          _Pragma("GCC unroll 16") for (size_t m = 0; m < COUNT; m++) x[m] = V::load(base + m * h * width + c);       \
          ZPOL_REGISTER_STAGES(V, K, x, w)                                                                            \
          _Pragma("GCC unroll 16") for (size_t m = 0; m < COUNT; m++) V::store(base + m * h * width + c, x[m]);       \
        }                                                                                                             \
        if (MASKED && c < len) {                                                                                      \
          typename V::T x[COUNT];                                                                                     \
          _Pragma("GCC unroll 16") for (size_t m = 0; m < COUNT; m++) x[m] = V::load_n(base + m * h * width + c, len - c); \
          ZPOL_REGISTER_STAGES(V, K, x, w)                                                                            \
          _Pragma("GCC unroll 16") for (size_t m = 0; m < COUNT; m++) V::store_n(base + m * h * width + c, x[m], len - c); \
        }                                                                                                             \
      }                                                                                                               \
    }                                                                                                                 \
  }                                                                                                                   \
  ATTR void NAME##_group(uint32_t* v, size_t n, size_t width, size_t c0, size_t c1, size_t h, int k, const uint32_t* tw) { \
    const size_t len = c1 - c0, whole = MASKED ? len : len / V::LANES * V::LANES;                                     \
    switch (k) {                                                                                                      \
      case 1: NAME##_regs<1>(v, n, width, c0, whole, h, tw); break;                                                   \
      case 2: NAME##_regs<2>(v, n, width, c0, whole, h, tw); break;                                                   \
      case 3: NAME##_regs<3>(v, n, width, c0, whole, h, tw); break;                                                   \
      case 4: NAME##_regs<4>(v, n, width, c0, whole, h, tw); break;                                                   \
      default: FALLBACK##_group(v, n, width, c0, c1, h, k, tw); return;                                               \
    }                                                                                                                 \
    if (whole < len) FALLBACK##_group(v, n, width, c0 + whole, c1, h, k, tw);                                         \
  }                                                                                                                   \
  /* RANGE's stages as groups of up to 4 on each block (a block of 2^k·h rows starting at a multiple of it pairs */   \
  /* only its own rows, with the twiddles GROUP gives it). */                                                         \
  ATTR void NAME##_range(uint32_t* v, size_t width, size_t r0, size_t r1, size_t c0, size_t c1, size_t h0, size_t h1, \
                         const uint32_t* tw) {                                                                        \
    for (size_t h = h0; h < h1;) {                                                                                    \
      int k = 0;                                                                                                      \
      while (k < 4 && (h << k) < h1) k++;                                                                             \
      NAME##_group(v + r0 * width, r1 - r0, width, c0, c1, h, k, tw);                                                 \
      h <<= k;                                                                                                        \
    }                                                                                                                 \
  }

ZPOL_REGISTER_GROUP(avx512_reg, __attribute__((target("avx512f"))), V512, true, avx512_rows)

// The stages with half-size h0 .. n/2 on one contiguous column (ntt.cc dit_column), those with h ≥ 16 up to 4 at a
// time with 16 entries of each of the 2^k rows of a block in registers (the same butterflies, so the same bits):
// the stage-by-stage loop passes over the whole column once a stage, 4 MiB for the LDE's 2^20 rows.
template <int K>
__attribute__((target("avx512f"))) void avx512_column_regs(uint32_t* v, size_t n, size_t h, const uint32_t* tw) {
  constexpr size_t COUNT = size_t{1} << K;
  for (size_t b = 0; b < n; b += h << K) {
    for (size_t j = 0; j < h; j += 16) {
      __m512i x[COUNT];
      _Pragma("GCC unroll 16") for (size_t m = 0; m < COUNT; m++) x[m] = V512::load(v + b + m * h + j);
      _Pragma("GCC unroll 16") for (int s = 0; s < K; s++) {
        const size_t g = size_t{1} << s;
        _Pragma("GCC unroll 16") for (size_t m = 0; m < COUNT; m++) {
          if (m & g) continue;
          const __m512i t = V512::mont(x[m + g], V512::load(tw + (h << s) + j + (m & (g - 1)) * h));
          x[m + g] = V512::sub(x[m], t);
          x[m] = V512::add(x[m], t);
        }
      }
      _Pragma("GCC unroll 16") for (size_t m = 0; m < COUNT; m++) V512::store(v + b + m * h + j, x[m]);
    }
  }
}

__attribute__((target("avx512f"))) void avx512_column(uint32_t* v, size_t n, size_t h, const uint32_t* tw) {
  for (; h < n && h < 16; h <<= 1) {
    for (size_t b = 0; b < n; b += 2 * h) avx512_tw(v + b, v + b + h, tw + h, h);
  }
  while (h < n) {
    int k = 0;
    while (k < 4 && (h << k) < n) k++;
    switch (k) {
      case 1: avx512_column_regs<1>(v, n, h, tw); break;
      case 2: avx512_column_regs<2>(v, n, h, tw); break;
      case 3: avx512_column_regs<3>(v, n, h, tw); break;
      default: avx512_column_regs<4>(v, n, h, tw); break;
    }
    h <<= k;
  }
}

ZPOL_REGISTER_GROUP(avx2_reg, __attribute__((target("avx2"))), V256, false, avx2_rows)
#endif

template <void (*TW)(uint32_t*, uint32_t*, const uint32_t*, size_t)>
void column_by_stages(uint32_t* v, size_t n, size_t h, const uint32_t* tw) {
  for (; h < n; h <<= 1) {
    for (size_t b = 0; b < n; b += 2 * h) TW(v + b, v + b + h, tw + h, h);
  }
}

struct Kernels {
  void (*scale)(uint32_t*, uint32_t, size_t);
  decltype(&scalar_spread) spread;
  decltype(&scalar_rows_range) range;
  decltype(&scalar_rows_group) group;
  void (*column)(uint32_t*, size_t, size_t, const uint32_t*);
  const char* name;
};

// The best version the CPU has, at most `cap` ("scalar", "avx2"; anything else: no cap). Each version is one
// constant table, so switching versions swaps a pointer: a kernel running in another thread keeps the table it read.
const Kernels* choose(const std::string& cap) {
  static const Kernels scalar{scalar_scale, scalar_spread, scalar_rows_range, scalar_rows_group, column_by_stages<scalar_tw>, "scalar"};
#ifdef ZPOL_X86
  static const Kernels avx2{avx2_scale, avx2_spread, avx2_reg_range, avx2_reg_group, column_by_stages<avx2_tw>, "avx2"};
  static const Kernels avx512{avx512_scale, avx512_spread, avx512_reg_range, avx512_reg_group, avx512_column, "avx512"};
  __builtin_cpu_init();
  if (cap != "scalar" && cap != "avx2" && __builtin_cpu_supports("avx512f")) return &avx512;
  if (cap != "scalar" && __builtin_cpu_supports("avx2")) return &avx2;
#endif
  return &scalar;
}

// Chosen on first use, capped by the environment's ZPOL_SIMD; simd_select changes it (tests compare the versions).
// Atomic because Node worker threads share the addon: one thread's simd_select must not tear another's read.
std::atomic<const Kernels*>& chosen() {
  static std::atomic<const Kernels*> k{choose(std::getenv("ZPOL_SIMD") ? std::getenv("ZPOL_SIMD") : "")};
  return k;
}

const Kernels& kernels() { return *chosen().load(std::memory_order_acquire); }

}  // namespace

void simd_scale(uint32_t* v, uint32_t t_mont, size_t len) { kernels().scale(v, t_mont, len); }
void simd_lde_spread_pair(uint32_t* out, size_t width, const uint32_t* a, const uint32_t* b, uint32_t sa, uint32_t sb, const uint32_t* tw,
                          size_t blowup, size_t len) {
  kernels().spread(out, width, a, b, sa, sb, tw, blowup, len);
}
void simd_dit_rows_range(uint32_t* v, size_t width, size_t r0, size_t r1, size_t c0, size_t c1, size_t h0, size_t h1, const uint32_t* tw) {
  kernels().range(v, width, r0, r1, c0, c1, h0, h1, tw);
}
void simd_dit_rows_group(uint32_t* v, size_t n, size_t width, size_t c0, size_t c1, size_t h, int k, const uint32_t* tw) {
  kernels().group(v, n, width, c0, c1, h, k, tw);
}
void simd_dit_column(uint32_t* v, size_t n, size_t first_half, const uint32_t* tw) { kernels().column(v, n, first_half, tw); }
const char* simd_level() { return kernels().name; }
const char* simd_select(const char* cap) {
  const Kernels* k = choose(cap);
  chosen().store(k, std::memory_order_release);
  return k->name;
}

}  // namespace zpol
