// The DEEP quotient's kernels of deep.h. Column combinations accumulate 64-bit products (< p² < 2^62) and fold
// the high half back every three terms (2^32 ≡ 2^32 − 2p mod p), reducing once a row; denominators 1/(x − z) come
// from one batched base inversion of m_z(x) per chunk of rows (the reference's trick), rows split across threads.
#include "deep.h"

#include <vector>

#include "../device/butterfly.h"
#include "../device/extension.h"
#include "parallel.h"

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

void reduced_quotient(int logDomain, uint32_t shift, const DeepTerm* terms, size_t term_count, const uint32_t* lifted, size_t lifted_width,
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

}  // namespace zpol
