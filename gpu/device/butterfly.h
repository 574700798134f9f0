// The pieces of the radix-2 NTTs of runtime/proof/field/ntt.ts that the native (gpu/native/ntt.cc) and CUDA
// (gpu/cuda/ntt.cu) transforms share: bit reversal, the decimation-in-time butterfly, every stage's twiddles and the
// geometric row factors of coset transforms, constants in Montgomery form, data canonical.
//
// The transform (natural order in and out): bit-reverse the entries, then for h = 1, 2, ..., n/2 combine entries
// b + j and b + j + h of every block b of 2h with the twiddle w_{2h}^j. The inverse is the forward one followed by
// reversing entries 1..n-1 and scaling by n^-1 (a DFT with w^-1).
#pragma once
#include <cstddef>
#include "babybear.h"

namespace zpol {

/** rev_logN(i): the low logN bits of i reversed. */
ZPOL_HD uint32_t bit_reverse(uint32_t i, int logN) {
  uint32_t r = 0;
  for (int b = 0; b < logN; b++) r |= ((i >> b) & 1u) << (logN - 1 - b);
  return r;
}

struct Butterfly {
  uint32_t x, y;
};

/** (x + t y, x - t y), t in Montgomery form. By value, so that the CPU's loops over restrict pointers vectorise. */
ZPOL_HD Butterfly dit_butterfly(uint32_t x, uint32_t y, uint32_t t_mont) {
  const uint32_t ty = mul_mont(y, t_mont);
  return Butterfly{add(x, ty), sub(x, ty)};
}

/** Where entry i of an inverse transform comes from in the forward one's output: i = 0 stays, i -> n - i. */
ZPOL_HD size_t inverse_source(size_t i, size_t n) { return i == 0 ? 0 : n - i; }

/**
 * Every stage's twiddles of a 2^logN transform in Montgomery form: tw[h + j] = w_{2h}^j for j < h, h = 1 .. n/2
 * (tw[0] unused, set to 0); max(n, 2) entries.
 */
ZPOL_HD void fill_stage_twiddles(uint32_t* tw, int logN) {
  const size_t n = size_t{1} << logN;
  tw[0] = 0;
  if (n < 2) {
    tw[1] = to_mont(1);
    return;
  }
  size_t h = n / 2;
  const uint32_t w = root_of_unity(logN);
  uint32_t acc = 1;
  for (size_t j = 0; j < h; j++) {
    tw[h + j] = to_mont(acc);
    acc = mul(acc, w);
  }
  for (h >>= 1; h >= 1; h >>= 1) {
    for (size_t j = 0; j < h; j++) tw[h + j] = tw[2 * h + 2 * j];  // w_{2h}^j = w_{4h}^{2j}
  }
}

/** out[i] = first * ratio^i in Montgomery form, i < n: the row factors of coset transforms. */
ZPOL_HD void fill_geometric_mont(uint32_t* out, size_t n, uint32_t first, uint32_t ratio) {
  uint32_t s = to_mont(first);
  const uint32_t r = to_mont(ratio);
  for (size_t i = 0; i < n; i++) {
    out[i] = s;
    s = mul_mont(s, r);
  }
}

}  // namespace zpol

namespace zpol {

/**
 * Butterfly t (t < n/2) of the stage with half-size h, on a column whose entry i is at v[i * stride]: the GPU runs
 * one thread per butterfly and stage (gpu/cuda/ntt.cu). Block t / h of 2h entries, offset j = t mod h.
 */
ZPOL_HD void dit_stage_butterfly(uint32_t* v, size_t stride, size_t t, size_t h, const uint32_t* tw) {
  const size_t j = t & (h - 1);
  const size_t x = (t - j) * 2 + j;
  const Butterfly b = dit_butterfly(v[x * stride], v[(x + h) * stride], tw[h + j]);
  v[x * stride] = b.x;
  v[(x + h) * stride] = b.y;
}

}  // namespace zpol
