// FRI folding and the DEEP quotient's row arithmetic (runtime/proof/fri/fold.ts, runtime/proof/pcs/deep-quotient.ts),
// one point at a time, for the CUDA kernels (gpu/cuda/fri.cu) and the tests' host harness. Field arithmetic is
// exact, so computing 1/(2x) or 1/(x - z) per point instead of in batches gives the reference's elements.
#pragma once
#include <cstddef>
#include "butterfly.h"
#include "extension.h"

namespace zpol {

/**
 * 1/(2 x_p), x_p = shift * w_N^rev_(L-1)(p), N = 2^logSize: the fold's constant for pair p of a bit-reversed
 * codeword (fold.ts inverseTwoX).
 */
ZPOL_HD uint32_t fri_inv_two_x(size_t p, int logSize, uint32_t shift) {
  const uint32_t x = mul(shift, pow(root_of_unity(logSize), bit_reverse(static_cast<uint32_t>(p), logSize - 1)));
  return inv(add(x, x));
}

/** One binary fold of the pair (f(x), f(-x)) = (a, b): (a + b)/2 + beta (a - b)/(2x). */
ZPOL_HD Ext fri_fold_pair(const Ext& a, const Ext& b, uint32_t inv_two_x, const Ext& beta) {
  const Ext s = ext_mul_base(ext_add(a, b), INV_TWO);
  const Ext d = ext_mul_base(ext_sub(a, b), inv_two_x);
  return ext_add(s, ext_mul(beta, d));
}

/** sum_k coeffs[k] * values[k] for k < width: a row's column combination (coefficients packed, 4 words each). */
ZPOL_HD Ext combine_row(const uint32_t* values, size_t width, const uint32_t* coeffs) {
  uint64_t acc[4] = {0, 0, 0, 0};
  for (size_t k = 0; k < width; k++) {
    for (int c = 0; c < 4; c++) {
      acc[c] += static_cast<uint64_t>(values[k]) * coeffs[4 * k + c];  // < 2^62
      if (acc[c] >= (uint64_t{1} << 63)) acc[c] = reduce64(acc[c]);
    }
  }
  return Ext{{reduce64(acc[0]), reduce64(acc[1]), reduce64(acc[2]), reduce64(acc[3])}};
}

/** (c - claimed) / (x - z): one point's DEEP term, for x in the base field off the opening point z. */
ZPOL_HD Ext deep_term(const Ext& c, const Ext& claimed, uint32_t x, const Ext& z) {
  return ext_mul(ext_sub(c, claimed), ext_inv(ext_sub(ext_base(x), z)));
}

}  // namespace zpol
