// The quartic extension F_p[X]/(X^4 - 11) of BabyBear, as runtime/proof/field/extension.ts: an element is 4
// canonical coefficients, lowest first. Products use Montgomery multiplication (x*y/R, summed, then *R^2/R), which
// vectorises on the CPU and is cheap on the GPU; every result is the one canonical element, so the native, CUDA and
// TypeScript backends agree bit for bit (test/gpu/device.test.ts).
#pragma once
#include "babybear.h"

namespace zpol {

constexpr uint32_t EXT_W = 11;                // X^4 = W
constexpr uint32_t MONT_R2 = 1172168163u;     // 2^64 mod p: mul_mont(x, MONT_R2) = x * 2^32 mod p
constexpr uint32_t EXT_W_MONT = 939524073u;   // to_mont(W) = 11 * 2^32 mod p
constexpr uint32_t INV_TWO = 1006632961u;     // 1/2

struct Ext {
  uint32_t c[4];
};

ZPOL_HD uint32_t neg(uint32_t a) { return a == 0 ? 0 : P - a; }

/** a * b in the base field through Montgomery multiplication (vectorises where a 64-bit remainder does not). */
ZPOL_HD uint32_t mulf(uint32_t a, uint32_t b) { return mul_mont(mul_mont(a, b), MONT_R2); }

ZPOL_HD Ext ext_base(uint32_t a) { return Ext{{a, 0, 0, 0}}; }
ZPOL_HD Ext ext_load(const uint32_t* v) { return Ext{{v[0], v[1], v[2], v[3]}}; }
ZPOL_HD void ext_store(uint32_t* v, const Ext& a) {
  for (int i = 0; i < 4; i++) v[i] = a.c[i];
}
ZPOL_HD bool ext_is_zero(const Ext& a) { return (a.c[0] | a.c[1] | a.c[2] | a.c[3]) == 0; }

ZPOL_HD Ext ext_add(const Ext& a, const Ext& b) {
  return Ext{{add(a.c[0], b.c[0]), add(a.c[1], b.c[1]), add(a.c[2], b.c[2]), add(a.c[3], b.c[3])}};
}
ZPOL_HD Ext ext_sub(const Ext& a, const Ext& b) {
  return Ext{{sub(a.c[0], b.c[0]), sub(a.c[1], b.c[1]), sub(a.c[2], b.c[2]), sub(a.c[3], b.c[3])}};
}
ZPOL_HD Ext ext_neg(const Ext& a) { return Ext{{neg(a.c[0]), neg(a.c[1]), neg(a.c[2]), neg(a.c[3])}}; }

/** a * s for a base element s given in Montgomery form (to_mont(s)). */
ZPOL_HD Ext ext_mul_base_mont(const Ext& a, uint32_t s_mont) {
  return Ext{{mul_mont(a.c[0], s_mont), mul_mont(a.c[1], s_mont), mul_mont(a.c[2], s_mont), mul_mont(a.c[3], s_mont)}};
}
ZPOL_HD Ext ext_mul_base(const Ext& a, uint32_t s) { return Ext{{mulf(a.c[0], s), mulf(a.c[1], s), mulf(a.c[2], s), mulf(a.c[3], s)}}; }

/** The product: schoolbook, the X^4..X^6 terms folded back with W; products divided by R, one *R^2/R at the end. */
ZPOL_HD Ext ext_mul(const Ext& a, const Ext& b) {
  const uint32_t a0 = a.c[0], a1 = a.c[1], a2 = a.c[2], a3 = a.c[3];
  const uint32_t b0 = b.c[0], b1 = b.c[1], b2 = b.c[2], b3 = b.c[3];
  const uint32_t w0 = mul_mont(add(add(mul_mont(a1, b3), mul_mont(a2, b2)), mul_mont(a3, b1)), EXT_W_MONT);
  const uint32_t w1 = mul_mont(add(mul_mont(a2, b3), mul_mont(a3, b2)), EXT_W_MONT);
  const uint32_t w2 = mul_mont(mul_mont(a3, b3), EXT_W_MONT);
  const uint32_t c0 = add(mul_mont(a0, b0), w0);
  const uint32_t c1 = add(add(mul_mont(a0, b1), mul_mont(a1, b0)), w1);
  const uint32_t c2 = add(add(add(mul_mont(a0, b2), mul_mont(a1, b1)), mul_mont(a2, b0)), w2);
  const uint32_t c3 = add(add(add(mul_mont(a0, b3), mul_mont(a1, b2)), mul_mont(a2, b1)), mul_mont(a3, b0));
  return Ext{{mul_mont(c0, MONT_R2), mul_mont(c1, MONT_R2), mul_mont(c2, MONT_R2), mul_mont(c3, MONT_R2)}};
}

ZPOL_HD Ext ext_square(const Ext& a) { return ext_mul(a, a); }

ZPOL_HD Ext ext_pow(Ext a, uint64_t e) {
  Ext r = ext_base(1);
  while (e) {
    if (e & 1) r = ext_mul(r, a);
    a = ext_mul(a, a);
    e >>= 1;
  }
  return r;
}

/**
 * 1/a through the tower F_p < F_p[Y]/(Y^2 - W) < F_p[X]/(X^4 - W), Y = X^2 (extension.ts inv): one base inversion.
 * Zero maps to zero; callers that must refuse zero check first.
 */
ZPOL_HD Ext ext_inv(const Ext& a) {
  const uint32_t a0 = a.c[0], a1 = a.c[1], a2 = a.c[2], a3 = a.c[3];
  const uint32_t c0 = sub(add(mul(a0, a0), mul(EXT_W, mul(a2, a2))), mul(2 * EXT_W, mul(a1, a3)));
  const uint32_t c1 = sub(add(mul(a0, a2), mul(a0, a2)), add(mul(a1, a1), mul(EXT_W, mul(a3, a3))));
  const uint32_t n = sub(mul(c0, c0), mul(EXT_W, mul(c1, c1)));
  const uint32_t n_inv = inv(n);
  const uint32_t d0 = mul(c0, n_inv);
  const uint32_t d1 = neg(mul(c1, n_inv));
  return Ext{{add(mul(a0, d0), mul(EXT_W, mul(a2, d1))), neg(add(mul(a1, d0), mul(EXT_W, mul(a3, d1)))),
              add(mul(a2, d0), mul(a0, d1)), neg(add(mul(a3, d0), mul(a1, d1)))}};
}

}  // namespace zpol
