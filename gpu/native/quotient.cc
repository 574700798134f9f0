// The constraint quotient on the CPU: the shared interpreter (gpu/device/quotient.h) over batches of 32 rows
// (issue #18), the rows split across threads, its arithmetic runs vectorised: AVX-512 (16 lanes) or AVX2 (8 lanes)
// as simd.h chose at run time (ZPOL_SIMD caps it), else the portable loops. Every version gives the canonical
// elements, so the bits never depend on which ran.
#include "quotient.h"

#include <cstring>
#include <vector>

#include "parallel.h"
#include "simd-field.h"
#include "simd.h"

namespace zpol {

namespace {
constexpr size_t BATCH = 32;

#ifdef ZPOL_X86
// The runs of QuotientScalarOps on vector type V (V512, V256), stamped out per target as simd.cc does: whole vectors,
// then the scalar loop for a tail. Products of canonical elements are mont(mont(x, y), R²) (mulf).
#define ZPOL_QUOTIENT_OPS(NAME, ATTR, V)                                                                              \
  struct NAME {                                                                                                       \
    using T = V::T;                                                                                                   \
    ATTR static void add_run(uint32_t* o, const uint32_t* x, const uint32_t* y, size_t len) {                         \
      size_t t = 0;                                                                                                   \
      for (; t + V::LANES <= len; t += V::LANES) V::store(o + t, V::add(V::load(x + t), V::load(y + t)));            \
      QuotientScalarOps::add_run(o + t, x + t, y + t, len - t);                                                       \
    }                                                                                                                 \
    ATTR static void sub_run(uint32_t* o, const uint32_t* x, const uint32_t* y, size_t len) {                         \
      size_t t = 0;                                                                                                   \
      for (; t + V::LANES <= len; t += V::LANES) V::store(o + t, V::sub(V::load(x + t), V::load(y + t)));            \
      QuotientScalarOps::sub_run(o + t, x + t, y + t, len - t);                                                       \
    }                                                                                                                 \
    ATTR static void mul_run(uint32_t* o, const uint32_t* x, const uint32_t* y, size_t len) {                         \
      const T r2 = V::set1(MONT_R2);                                                                                  \
      size_t t = 0;                                                                                                   \
      for (; t + V::LANES <= len; t += V::LANES) V::store(o + t, V::mont(V::mont(V::load(x + t), V::load(y + t)), r2)); \
      QuotientScalarOps::mul_run(o + t, x + t, y + t, len - t);                                                       \
    }                                                                                                                 \
    template <size_t B>                                                                                               \
    ATTR static void mul_ext_base(const uint32_t* e, const uint32_t* f, uint32_t* out, size_t len) {                  \
      const T r2 = V::set1(MONT_R2);                                                                                  \
      size_t t = 0;                                                                                                   \
      for (; t + V::LANES <= len; t += V::LANES) {                                                                    \
        const T fm = V::mont(V::load(f + t), r2); /* f·2^32: Montgomery form */                                       \
        for (int c = 0; c < 4; c++) V::store(out + c * B + t, V::mont(V::load(e + c * B + t), fm));                   \
      }                                                                                                               \
      for (; t < len; t++)                                                                                            \
        for (int c = 0; c < 4; c++) out[c * B + t] = mulf(e[c * B + t], f[t]);                                        \
    }                                                                                                                 \
    template <size_t B>                                                                                               \
    ATTR static void mul_ext(const uint32_t* a, const uint32_t* b, uint32_t* out, size_t len) {                       \
      size_t t = 0;                                                                                                   \
      for (; t + V::LANES <= len; t += V::LANES) {                                                                    \
        T x[4], y[4], r[4];                                                                                           \
        for (int c = 0; c < 4; c++) {                                                                                 \
          x[c] = V::load(a + c * B + t);                                                                              \
          y[c] = V::load(b + c * B + t);                                                                              \
        }                                                                                                             \
        V::ext_mul(x, y, r);                                                                                         \
        for (int c = 0; c < 4; c++) V::store(out + c * B + t, r[c]);                                                  \
      }                                                                                                               \
      if (t < len) QuotientScalarOps::mul_ext<B>(a + t, b + t, out + t, len - t);                                     \
    }                                                                                                                 \
    template <size_t B>                                                                                               \
    ATTR static void mul_ext_by(const Ext& g, const uint32_t* v, uint32_t* out, size_t len) {                         \
      const T y[4] = {V::set1(g.c[0]), V::set1(g.c[1]), V::set1(g.c[2]), V::set1(g.c[3])};                           \
      size_t t = 0;                                                                                                   \
      for (; t + V::LANES <= len; t += V::LANES) {                                                                    \
        T x[4], r[4];                                                                                                 \
        for (int c = 0; c < 4; c++) x[c] = V::load(v + c * B + t);                                                    \
        V::ext_mul(x, y, r);                                                                                         \
        for (int c = 0; c < 4; c++) V::store(out + c * B + t, r[c]);                                                  \
      }                                                                                                               \
      if (t < len) QuotientScalarOps::mul_ext_by<B>(g, v + t, out + t, len - t);                                      \
    }                                                                                                                 \
  };

ZPOL_QUOTIENT_OPS(Avx512Ops, __attribute__((target("avx512f"))), V512)
ZPOL_QUOTIENT_OPS(Avx2Ops, __attribute__((target("avx2"))), V256)
#endif

// The interpreter over every row, the rows split across threads, in batches of BATCH: the quotient (ROOTS false: acc,
// 4 words a row) or the roots' values (ROOTS true: out, root-major).
template <class Ops, bool ROOTS>
void run(const QuotientInputs& in, uint32_t* out) {
  std::vector<size_t> off(in.nodes);
  const size_t total = quotient_offsets(in, BATCH, off.data());
  parallel_for(in.height, in.height * in.nodes, size_t{1} << 14, [&](size_t begin, size_t end) {
    std::vector<uint32_t> reg(total), scratch(8 * BATCH);
    for (size_t i0 = begin; i0 < end; i0 += BATCH) {
      const size_t len = std::min(BATCH, end - i0);
      if (!ROOTS) {
        quotient_batch<BATCH, Ops>(in, i0, len, off.data(), reg.data(), scratch.data(), out);
        continue;
      }
      quotient_nodes<BATCH, Ops>(in, i0, len, off.data(), reg.data());
      for (size_t j = 0; j < in.root_count; j++) std::memcpy(out + j * in.height + i0, reg.data() + off[in.roots[j]], len * 4);
    }
  }, BATCH);
}

// run with the vector version simd.h chose (ZPOL_SIMD caps it); false on malformed bytecode.
template <bool ROOTS>
bool evaluate(const QuotientInputs& in, uint32_t* out) {
  if (!quotient_valid(in)) return false;
#ifdef ZPOL_X86
  const char* level = simd_level();
  if (std::strcmp(level, "avx512") == 0) return run<Avx512Ops, ROOTS>(in, out), true;
  if (std::strcmp(level, "avx2") == 0) return run<Avx2Ops, ROOTS>(in, out), true;
#endif
  run<QuotientScalarOps, ROOTS>(in, out);
  return true;
}
}  // namespace

bool evaluate_quotient(const QuotientInputs& in, uint32_t* acc) { return evaluate<false>(in, acc); }

bool evaluate_roots(const QuotientInputs& in, uint32_t* out) {
  for (size_t j = 0; j < in.root_count; j++)
    if (in.roots[j] < 0 || static_cast<size_t>(in.roots[j]) >= in.nodes || in.code[6 * in.roots[j] + 1] != 0) return false;
  return evaluate<true>(in, out);
}

}  // namespace zpol
