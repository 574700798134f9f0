// The constraint quotient on the CPU: the shared interpreter (gpu/device/quotient.h) over batches of 32 rows
// (issue #18), the rows split across threads, its arithmetic runs vectorised: AVX-512 (16 lanes) or AVX2 (8 lanes)
// as simd.h chose at run time (ZPOL_SIMD caps it), else the portable loops. Every version gives the canonical
// elements, so the bits never depend on which ran.
#include "quotient.h"

#include <array>
#include <cstring>
#include <map>
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
    ATTR static void scale_add_run(uint32_t* s, const uint32_t* x, uint32_t g_mont, size_t len) {                     \
      const T g = V::set1(g_mont);                                                                                    \
      size_t t = 0;                                                                                                   \
      for (; t + V::LANES <= len; t += V::LANES) V::store(s + t, V::add(V::load(s + t), V::mont(V::load(x + t), g)));  \
      QuotientScalarOps::scale_add_run(s + t, x + t, g_mont, len - t);                                                \
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

// The CPU's schedule of the bytecode. Equal nodes (the same operation on the same operands, or the same column of
// the same row) share one register and run once: the compiled AIRs repeat their leaves and common subterms (the
// 2^17-row zkVM table's 1,857 nodes read 394 main columns). Nodes that do not depend on the row (constants, public
// inputs, challenges, the claimed sum, and arithmetic on those only) run once per thread, not once per batch.
struct Schedule {
  std::vector<size_t> off;        // node id's register; equal nodes share one
  std::vector<uint32_t> uniform;  // the nodes to run once, then
  std::vector<uint32_t> varying;  // the nodes to run per batch, in bytecode order
  size_t total = 0;               // register words
};

Schedule schedule(const QuotientInputs& in, size_t batch) {
  Schedule s;
  s.off.resize(in.nodes);
  std::vector<uint32_t> canon(in.nodes);
  std::vector<bool> uniform(in.nodes);
  std::map<std::array<int64_t, 6>, uint32_t> seen;
  for (size_t id = 0; id < in.nodes; id++) {
    const int32_t* r = in.code + 6 * id;
    const int32_t op = r[0];
    int64_t a = r[2], b = r[3];
    // Operands by their representative (quotient_valid: an operation's operands come before it); a sum or product
    // of the same two in either order is one node.
    if (op >= Q_NEG) a = canon[a];
    if (op >= Q_ADD) b = canon[b];
    if ((op == Q_ADD || op == Q_MUL) && b < a) std::swap(a, b);
    const std::array<int64_t, 6> key{op, r[1], a, b, r[4], r[5]};
    const auto found = seen.find(key);
    if (found != seen.end()) {
      canon[id] = found->second;
      s.off[id] = s.off[found->second];
      continue;
    }
    seen.emplace(key, static_cast<uint32_t>(id));
    canon[id] = static_cast<uint32_t>(id);
    s.off[id] = s.total;
    s.total += (r[1] ? 4 : 1) * batch;
    uniform[id] = op == Q_CONST || op == Q_PUBLIC || op == Q_CHALLENGE || op == Q_CLAIMED_SUM || (op == Q_NEG && uniform[a]) ||
                  (op >= Q_ADD && uniform[a] && uniform[b]);
    (uniform[id] ? s.uniform : s.varying).push_back(static_cast<uint32_t>(id));
  }
  return s;
}

// The interpreter over every row, the rows split across threads, in batches of BATCH: the quotient (ROOTS false: acc,
// 4 words a row) or the roots' values (ROOTS true: out, root-major).
template <class Ops, bool ROOTS>
void run(const QuotientInputs& in, uint32_t* out) {
  const Schedule s = schedule(in, BATCH);
  const size_t* off = s.off.data();
  parallel_for(in.height, in.height * in.nodes, size_t{1} << 14, [&](size_t begin, size_t end) {
    std::vector<uint32_t> reg(s.total), scratch(8 * BATCH);
    // A uniform node reads no row: its register, filled for a whole batch, holds for every batch.
    for (const uint32_t id : s.uniform) quotient_node<BATCH, Ops>(in, id, 0, BATCH, off, reg.data());
    for (size_t i0 = begin; i0 < end; i0 += BATCH) {
      const size_t len = std::min(BATCH, end - i0);
      for (const uint32_t id : s.varying) quotient_node<BATCH, Ops>(in, id, i0, len, off, reg.data());
      if (!ROOTS) {
        quotient_combine<BATCH, Ops>(in, i0, len, off, reg.data(), scratch.data(), out);
        continue;
      }
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
