// BabyBear, p = 2^31 - 2^27 + 1 = 15 * 2^27 + 1, elements canonical in [0, p) as uint32_t: the same field as
// runtime/proof/field/babybear.ts, for the native kernels (gpu/native) and the CUDA ones (gpu/cuda) alike. Every
// function returns the one canonical result, so the native, CUDA and TypeScript backends agree bit for bit.
#pragma once
#include "common.h"

namespace zpol {

constexpr uint32_t P = 2013265921u;
constexpr int TWO_ADICITY = 27;
constexpr uint32_t TWO_ADIC_ROOT = 440564289u;  // GENERATOR^((p - 1) / 2^27), GENERATOR = 31

ZPOL_HD uint32_t add(uint32_t a, uint32_t b) {
  uint32_t s = a + b;  // < 2^32 since a, b < 2^31
  return s >= P ? s - P : s;
}

ZPOL_HD uint32_t sub(uint32_t a, uint32_t b) { return a >= b ? a - b : a + P - b; }

// The compiler turns the constant modulus into a multiply and shifts (setup code and hashing; the NTTs' hot loops
// use mul_mont).
ZPOL_HD uint32_t mul(uint32_t a, uint32_t b) { return static_cast<uint32_t>((static_cast<uint64_t>(a) * b) % P); }

/** Any value below 2^64, reduced. */
ZPOL_HD uint32_t reduce64(uint64_t x) { return static_cast<uint32_t>(x % P); }

// Montgomery multiplication with R = 2^32: mul_mont(x, to_mont(t)) = x * t mod p, canonical, for canonical x.
// Data stays canonical; only constants (twiddles, scale factors) are held in Montgomery form.
constexpr uint32_t MONT_MU = 0x77ffffffu;  // -p^-1 mod 2^32
ZPOL_HD uint32_t to_mont(uint32_t a) { return static_cast<uint32_t>((static_cast<uint64_t>(a) << 32) % P); }
ZPOL_HD uint32_t mul_mont(uint32_t x, uint32_t t_mont) {
  uint64_t prod = static_cast<uint64_t>(x) * t_mont;  // < p^2 < 2^62
  uint32_t m = static_cast<uint32_t>(prod) * MONT_MU;
  uint32_t r = static_cast<uint32_t>((prod + static_cast<uint64_t>(m) * P) >> 32);  // < 2p
  return r >= P ? r - P : r;
}

ZPOL_HD uint32_t pow(uint32_t a, uint64_t e) {
  uint32_t r = 1;
  while (e) {
    if (e & 1) r = mul(r, a);
    a = mul(a, a);
    e >>= 1;
  }
  return r;
}

ZPOL_HD uint32_t inv(uint32_t a) { return pow(a, P - 2); }

// A primitive 2^logN-th root of unity: TWO_ADIC_ROOT squared 27 - logN times (babybear.ts rootOfUnity).
ZPOL_HD uint32_t root_of_unity(int logN) {
  uint32_t w = TWO_ADIC_ROOT;
  for (int i = logN; i < TWO_ADICITY; i++) w = mul(w, w);
  return w;
}

}  // namespace zpol
