// The DEEP quotient's kernels of deep.h. Column combinations accumulate 64-bit products (< p² < 2^62) and fold
// the high half back every three terms (2^32 ≡ 2^32 − 2p mod p), reducing once a row; denominators 1/(x − z) come
// from one batched base inversion of m_z(x) per chunk of rows (the reference's trick), rows split across threads.
#include "deep.h"

#include <cstring>
#include <vector>

#include "../device/butterfly.h"
#include "../device/extension.h"
#include "parallel.h"
#include "simd-field.h"
#include "simd.h"

namespace zpol {
namespace {

constexpr uint64_t TWO32_MOD_P = 268435454u;  // 2^32 mod p
constexpr size_t CHUNK = 1024;

inline uint64_t fold(uint64_t a) { return (a >> 32) * TWO32_MOD_P + (a & 0xffffffffu); }  // < 2^60 + 2^32, same residue

// Σ_k coeffs[k]·row[col_k] as an extension element.
inline Ext combine_row(const uint32_t* row, const int32_t* cols, size_t count, const uint32_t* coeffs) {
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  size_t t = 0;
  for (size_t k = 0; k < count; k++) {
    const uint64_t v = row[cols ? static_cast<size_t>(cols[k]) : k];
    const uint32_t* c = coeffs + 4 * k;
    a0 += v * c[0];
    a1 += v * c[1];
    a2 += v * c[2];
    a3 += v * c[3];
    if (++t == 3) {  // < 2^60 + 3·p² < 2^64 between folds
      a0 = fold(a0), a1 = fold(a1), a2 = fold(a2), a3 = fold(a3);
      t = 0;
    }
  }
  return Ext{{reduce64(a0), reduce64(a1), reduce64(a2), reduce64(a3)}};
}

}  // namespace

void combine_columns(const uint32_t* values, size_t height, size_t width, const int32_t* cols, size_t count, const uint32_t* coeffs,
                     uint32_t* out, size_t stride, size_t offset) {
  parallel_for(height, height * count, size_t{1} << 16, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; i++) ext_store(out + i * stride + offset, combine_row(values + i * width, cols, count, coeffs));
  });
}

void weighted_column_sums(const uint32_t* values, size_t height, size_t width, const int32_t* cols, size_t count, const uint32_t* weights,
                          uint32_t* out) {
  std::vector<uint64_t> acc(4 * count, 0);
  size_t t = 0;
  for (size_t i = 0; i < height; i++) {
    const uint32_t* row = values + i * width;
    const uint64_t w0 = weights[4 * i], w1 = weights[4 * i + 1], w2 = weights[4 * i + 2], w3 = weights[4 * i + 3];
    uint64_t* a = acc.data();
    for (size_t k = 0; k < count; k++, a += 4) {
      const uint64_t v = row[cols ? static_cast<size_t>(cols[k]) : k];
      a[0] += v * w0;
      a[1] += v * w1;
      a[2] += v * w2;
      a[3] += v * w3;
    }
    if (++t == 3) {  // < 2^60 + 3·p² < 2^64 between folds
      for (uint64_t& x : acc) x = fold(x);
      t = 0;
    }
  }
  for (size_t k = 0; k < 4 * count; k++) out[k] = reduce64(acc[k]);
}

namespace {

// The portable version of reduced_quotient.
void reduced_quotient_scalar(int logDomain, uint32_t shift, const DeepTerm* terms, size_t term_count, const uint32_t* lifted, size_t lifted_width,
                      const uint32_t* dens, size_t groups, const uint32_t* claimed, uint32_t* out) {
  const size_t N = size_t{1} << logDomain;
  const uint32_t w = root_of_unity(logDomain);
  const size_t chunks = (N + CHUNK - 1) / CHUNK;
  size_t work = 0;
  for (size_t t = 0; t < term_count; t++) work += terms[t].lde ? terms[t].width : 4;
  parallel_for(chunks, N * (work + 8 * groups), size_t{1} << 16, [&](size_t c0, size_t c1) {
    std::vector<uint32_t> xs(CHUNK), mx(CHUNK), prefix(CHUNK);
    std::vector<Ext> inv_den(groups * CHUNK), acc(groups);
    for (size_t chunk = c0; chunk < c1; chunk++) {
      const size_t i0 = chunk * CHUNK;
      const size_t len = std::min(CHUNK, N - i0);
      uint32_t x = mul(shift, pow(w, i0));
      for (size_t i = 0; i < len; i++, x = mul(x, w)) xs[i] = x;
      for (size_t g = 0; g < groups; g++) {
        const uint32_t* m = dens + 16 * g;
        const uint32_t* nz = m + 4;
        // m_z(x) = (((x + m3) x + m2) x + m1) x + m0, inverted in one batch (prefix products).
        uint32_t run = 1;
        for (size_t i = 0; i < len; i++) {
          const uint32_t xi = xs[i];
          mx[i] = add(mul(add(mul(add(mul(add(xi, m[3]), xi), m[2]), xi), m[1]), xi), m[0]);
          prefix[i] = run;
          run = mul(run, mx[i]);
        }
        uint32_t inv_run = inv(run);
        for (size_t i = len; i-- > 0;) {
          const uint32_t s = mul(inv_run, prefix[i]);  // 1/m_z(x_i)
          inv_run = mul(inv_run, mx[i]);
          const uint32_t xi = xs[i];
          // N_z(x) = ((x + n2) x + n1) x + n0, extension coefficients at a base point.
          Ext t{{add(xi, nz[8]), nz[9], nz[10], nz[11]}};
          for (int c = 0; c < 4; c++) t.c[c] = add(mul(t.c[c], xi), nz[4 + c]);
          for (int c = 0; c < 4; c++) t.c[c] = add(mul(t.c[c], xi), nz[c]);
          for (int c = 0; c < 4; c++) t.c[c] = mul(t.c[c], s);
          inv_den[g * CHUNK + i] = t;
        }
      }
      for (size_t i = 0; i < len; i++) {
        const size_t row = i0 + i;
        for (size_t g = 0; g < groups; g++) acc[g] = Ext{{0, 0, 0, 0}};
        for (size_t t = 0; t < term_count; t++) {
          const DeepTerm& term = terms[t];
          const Ext c = term.lde ? combine_row(term.lde + row * term.width, nullptr, term.width, term.coeffs)
                                 : ext_load(lifted + row * lifted_width + 4 * static_cast<size_t>(term.lifted));
          acc[term.group] = ext_add(acc[term.group], c);
        }
        Ext q{{0, 0, 0, 0}};
        for (size_t g = 0; g < groups; g++) q = ext_add(q, ext_mul(ext_sub(acc[g], ext_load(claimed + 4 * g)), inv_den[g * CHUNK + i]));
        ext_store(out + 4 * size_t{bit_reverse(static_cast<uint32_t>(row), logDomain)}, q);
      }
    }
  });
}

#ifdef ZPOL_X86
// Chunks [c0, c1) of reduced_quotient with the per-point arithmetic on vectors of LANES consecutive points (AVX-512 or AVX2): m_z(x) by Horner,
// its batch inversion as LANES interleaved chains of Montgomery-form products (one inversion a lane per chunk),
// N_z(x)/m_z(x), and Σ_g (acc_g − claimed_g)·(1/(x − z_g)); the terms' sums stay a scalar loop over the rows.
// Buffers are coordinate-major: word c·CHUNK + i of a group's is coordinate c of point i0 + i.
#define ZPOL_REDUCED_QUOTIENT(NAME, ATTR, V)                                                                          \
  ATTR void NAME##_chunks(int logDomain, uint32_t shift, const DeepTerm* terms, size_t term_count,                   \
                         const uint32_t* lifted, size_t lifted_width, const uint32_t* dens, size_t groups,            \
                         const uint32_t* claimed, uint32_t* out, size_t c0, size_t c1) {                              \
    using T = V::T;                                                                                                   \
    constexpr size_t L = V::LANES;                                                                                    \
    const size_t N = size_t{1} << logDomain;                                                                          \
    const uint32_t w_mont = to_mont(root_of_unity(logDomain));                                                        \
    {                                                                                                                 \
      std::vector<uint32_t> xs(CHUNK), mx(CHUNK), prefix(CHUNK), inv_den(groups * 4 * CHUNK), acc(groups * 4 * CHUNK), \
          q(4 * CHUNK);                                                                                               \
      for (size_t chunk = c0; chunk < c1; chunk++) {                                                                  \
        const size_t i0 = chunk * CHUNK;                                                                              \
        const size_t len = std::min(CHUNK, N - i0), vlen = (len + L - 1) / L * L;                                     \
        uint32_t x = mul(shift, pow(root_of_unity(logDomain), i0));                                                   \
        for (size_t i = 0; i < vlen; i++, x = mul_mont(x, w_mont)) xs[i] = x; /* past len: points, never stored */  \
        NAME##_dens(dens, groups, xs.data(), vlen, mx.data(), prefix.data(), inv_den.data());                         \
        std::memset(acc.data(), 0, acc.size() * 4);                                                                   \
        for (size_t i = 0; i < len; i++) {                                                                            \
          const size_t row = i0 + i;                                                                                  \
          for (size_t t = 0; t < term_count; t++) {                                                                   \
            const DeepTerm& term = terms[t];                                                                          \
            const Ext c = term.lde ? combine_row(term.lde + row * term.width, nullptr, term.width, term.coeffs)       \
                                   : ext_load(lifted + row * lifted_width + 4 * static_cast<size_t>(term.lifted));    \
            uint32_t* a = acc.data() + term.group * 4 * CHUNK + i;                                                    \
            for (int k = 0; k < 4; k++) a[k * CHUNK] = add(a[k * CHUNK], c.c[k]);                                     \
          }                                                                                                           \
        }                                                                                                             \
        for (size_t i = 0; i < vlen; i += L) {                                                                        \
          T sum[4] = {V::set1(0), V::set1(0), V::set1(0), V::set1(0)};                                                \
          for (size_t g = 0; g < groups; g++) {                                                                       \
            T a[4], d[4], r[4];                                                                                       \
            for (int k = 0; k < 4; k++) {                                                                             \
              a[k] = V::sub(V::load(acc.data() + (g * 4 + k) * CHUNK + i), V::set1(claimed[4 * g + k]));              \
              d[k] = V::load(inv_den.data() + (g * 4 + k) * CHUNK + i);                                               \
            }                                                                                                         \
            V::ext_mul(a, d, r);                                                                                      \
            for (int k = 0; k < 4; k++) sum[k] = V::add(sum[k], r[k]);                                                \
          }                                                                                                           \
          for (int k = 0; k < 4; k++) V::store(q.data() + k * CHUNK + i, sum[k]);                                     \
        }                                                                                                             \
        for (size_t i = 0; i < len; i++) {                                                                            \
          uint32_t* o = out + 4 * size_t{bit_reverse(static_cast<uint32_t>(i0 + i), logDomain)};                      \
          for (int k = 0; k < 4; k++) o[k] = q[k * CHUNK + i];                                                        \
        }                                                                                                             \
      }                                                                                                               \
    }                                                                                                                 \
  }

// 1/(x − z_g) = N_z(x)/m_z(x) at the points xs[0..vlen) (vlen a multiple of the lanes) for every group, into inv_den
// (coordinate-major, CHUNK words a coordinate). m_z(x) is nonzero off the point's orbit, which the LDE coset avoids.
#define ZPOL_DEEP_DENS(NAME, ATTR, V)                                                                                 \
  ATTR void NAME##_dens(const uint32_t* dens, size_t groups, const uint32_t* xs, size_t vlen, uint32_t* mx,           \
                        uint32_t* prefix, uint32_t* inv_den) {                                                        \
    using T = V::T;                                                                                                   \
    constexpr size_t L = V::LANES;                                                                                    \
    const T r2 = V::set1(MONT_R2);                                                                                    \
    for (size_t g = 0; g < groups; g++) {                                                                             \
      const uint32_t* m = dens + 16 * g;                                                                              \
      const uint32_t* nz = m + 4;                                                                                     \
      T run = V::set1(to_mont(1));                                                                                    \
      for (size_t i = 0; i < vlen; i += L) {                                                                          \
        const T xm = V::mont(V::load(xs + i), r2); /* x in Montgomery form: V::mont(a, xm) = a·x */                  \
        T h = V::add(V::load(xs + i), V::set1(m[3]));                                                                 \
        h = V::add(V::mont(h, xm), V::set1(m[2]));                                                                    \
        h = V::add(V::mont(h, xm), V::set1(m[1]));                                                                    \
        h = V::add(V::mont(h, xm), V::set1(m[0]));                                                                    \
        const T hm = V::mont(h, r2);                                                                                  \
        V::store(mx + i, hm);                                                                                         \
        V::store(prefix + i, run);                                                                                    \
        run = V::mont(run, hm); /* Montgomery-form products */                                                        \
      }                                                                                                               \
      uint32_t lanes[L];                                                                                              \
      V::store(lanes, run);                                                                                           \
      for (size_t l = 0; l < L; l++) lanes[l] = to_mont(inv(mul_mont(lanes[l], 1)));                                 \
      T inv_run = V::load(lanes);                                                                                     \
      for (size_t i = vlen; i >= L;) {                                                                                \
        i -= L;                                                                                                       \
        const T s = V::mont(inv_run, V::load(prefix + i)); /* 1/m_z(x), Montgomery form */                           \
        inv_run = V::mont(inv_run, V::load(mx + i));                                                                  \
        const T xm = V::mont(V::load(xs + i), r2);                                                                    \
        T t[4] = {V::add(V::load(xs + i), V::set1(nz[8])), V::set1(nz[9]), V::set1(nz[10]), V::set1(nz[11])};       \
        for (int k = 0; k < 4; k++) t[k] = V::add(V::mont(t[k], xm), V::set1(nz[4 + k]));                            \
        for (int k = 0; k < 4; k++) t[k] = V::add(V::mont(t[k], xm), V::set1(nz[k]));                                \
        for (int k = 0; k < 4; k++) V::store(inv_den + (g * 4 + k) * CHUNK + i, V::mont(t[k], s));                    \
      }                                                                                                               \
    }                                                                                                                 \
  }

ZPOL_DEEP_DENS(deep_avx512, __attribute__((target("avx512f"))), V512)
ZPOL_DEEP_DENS(deep_avx2, __attribute__((target("avx2"))), V256)
ZPOL_REDUCED_QUOTIENT(deep_avx512, __attribute__((target("avx512f"))), V512)
ZPOL_REDUCED_QUOTIENT(deep_avx2, __attribute__((target("avx2"))), V256)
#endif

}  // namespace

void reduced_quotient(int logDomain, uint32_t shift, const DeepTerm* terms, size_t term_count, const uint32_t* lifted, size_t lifted_width,
                      const uint32_t* dens, size_t groups, const uint32_t* claimed, uint32_t* out) {
#ifdef ZPOL_X86
  const char* level = simd_level();
  const bool avx512 = std::strcmp(level, "avx512") == 0, avx2 = std::strcmp(level, "avx2") == 0;
  if (avx512 || avx2) {
    const size_t N = size_t{1} << logDomain, chunks = (N + CHUNK - 1) / CHUNK;
    size_t work = 0;
    for (size_t t = 0; t < term_count; t++) work += terms[t].lde ? terms[t].width : 4;
    parallel_for(chunks, N * (work + 8 * groups), size_t{1} << 16, [&](size_t c0, size_t c1) {
      (avx512 ? deep_avx512_chunks : deep_avx2_chunks)(logDomain, shift, terms, term_count, lifted, lifted_width, dens, groups, claimed, out, c0, c1);
    });
    return;
  }
#endif
  reduced_quotient_scalar(logDomain, shift, terms, term_count, lifted, lifted_width, dens, groups, claimed, out);
}

}  // namespace zpol
