// BabyBear, p = 2^31 - 2^27 + 1 = 15 * 2^27 + 1, on canonical uint32 values in [0, p). Products reduce a 62-bit
// integer with one 64-bit remainder: simple and exact; the kernels that need more speed use Montgomery form on
// their own data (the NTTs), while hashing keeps canonical values so that its inputs and outputs are the
// runtime's words as they are (runtime/proof/field/babybear.ts).
#pragma once
#include "common.h"

namespace zpol {

constexpr uint32_t BB_P = 2013265921u;

ZPOL_HD uint32_t bb_add(uint32_t a, uint32_t b) {
  uint32_t s = a + b;  // < 2p < 2^32
  return s >= BB_P ? s - BB_P : s;
}

ZPOL_HD uint32_t bb_sub(uint32_t a, uint32_t b) { return a >= b ? a - b : a + BB_P - b; }

ZPOL_HD uint32_t bb_mul(uint32_t a, uint32_t b) { return static_cast<uint32_t>((static_cast<uint64_t>(a) * b) % BB_P); }

/** Any value below 2^64, reduced. */
ZPOL_HD uint32_t bb_reduce64(uint64_t x) { return static_cast<uint32_t>(x % BB_P); }

}  // namespace zpol
