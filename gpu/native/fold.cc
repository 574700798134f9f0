// The binary fold of fold.ts: positions 2p and 2p + 1 hold f(x_p) and f(−x_p), x_p = shift·ω_N^rev_(L−1)(p), and
// fold(f)(x_p²) = (a + b)/2 + β·(a − b)/(2x_p). The constants 1/(2x_p) are a geometric sequence in natural order,
// kept in Montgomery form and written to their bit-reversed positions.
#include "fold.h"

#include <cstring>
#include <vector>

#include "../device/butterfly.h"
#include "../device/extension.h"

namespace zpol {
namespace {

void fold_binary(const uint32_t* cw, int L, uint32_t shift, const Ext& beta, uint32_t* out, std::vector<uint32_t>& inv_two_x) {
  const size_t half = size_t{1} << (L - 1);
  inv_two_x.resize(half);
  const uint32_t w_inv_mont = to_mont(inv(root_of_unity(L)));
  uint32_t v = to_mont(inv(add(shift, shift)));
  for (size_t i = 0; i < half; i++) {
    inv_two_x[bit_reverse(static_cast<uint32_t>(i), L - 1)] = v;
    v = mul_mont(v, w_inv_mont);
  }
  const uint32_t half_mont = to_mont(INV_TWO);
  for (size_t p = 0; p < half; p++) {
    const uint32_t* a = cw + 8 * p;
    const uint32_t* b = a + 4;
    const uint32_t t = inv_two_x[p];
    Ext s, d;
    for (int c = 0; c < 4; c++) {
      s.c[c] = mul_mont(add(a[c], b[c]), half_mont);
      d.c[c] = mul_mont(sub(a[c], b[c]), t);
    }
    ext_store(out + 4 * p, ext_add(s, ext_mul(beta, d)));
  }
}

}  // namespace

void fri_fold(const uint32_t* cw, int logSize, uint32_t shift, const uint32_t* beta, int logArity, uint32_t* out) {
  if (logArity == 0) {
    std::memcpy(out, cw, (size_t{4} << logSize) * 4);
    return;
  }
  std::vector<uint32_t> a, b, inv_two_x;
  const uint32_t* cur = cw;
  Ext bt = ext_load(beta);
  uint32_t s = shift;
  for (int t = 0; t < logArity; t++) {
    const int L = logSize - t;
    uint32_t* dst = out;
    if (t + 1 < logArity) {
      std::vector<uint32_t>& buf = (t % 2 == 0) ? a : b;
      buf.resize(size_t{4} << (L - 1));
      dst = buf.data();
    }
    fold_binary(cur, L, s, bt, dst, inv_two_x);
    cur = dst;
    s = mul(s, s);
    bt = ext_square(bt);
  }
}

}  // namespace zpol
