// Poseidon2 over BabyBear, width 16, the same function as runtime/proof/hash/poseidon2.ts (Plonky3's
// default_babybear_poseidon2_16: the round constants and linear layers are in poseidon2-constants.h, generated
// from the TypeScript ones by gpu/device/generate-constants.ts and checked against them by test/gpu/device.test.ts).
//
//   x <- M_E x;  4 external rounds (x_i <- (x_i + c_i)^7, x <- M_E x);  13 internal rounds (x_0 <- (x_0 + c)^7,
//   x_i <- sum(x) + D_i x_i);  4 external rounds.   M_E = circ(2 M4, M4, M4, M4).
//
// The sponge (overwrite mode, rate 8, capacity 8, Plonky3's Pad10Sponge padding) and the 2-to-1 compression
// (first 8 elements of the permutation of left || right) are the Merkle hasher's leaf and node
// (runtime/proof/merkle/poseidon2-hasher.ts). Inputs must be canonical; callers check (the runtime does).
#pragma once
#include "babybear.h"
#include "poseidon2-constants.h"

namespace zpol {

constexpr int P2_WIDTH = 16;
constexpr int P2_RATE = 8;
constexpr int P2_DIGEST = 8;

ZPOL_HD uint32_t p2_sbox(uint32_t x) {
  uint32_t x2 = mul(x, x);
  uint32_t x4 = mul(x2, x2);
  return mul(mul(x4, x2), x);
}

/** M_E: M4 on each block of four, then each element adds the sum of its position across blocks. */
ZPOL_HD void p2_external(uint32_t* s) {
  uint64_t y[P2_WIDTH];
  uint64_t c[4] = {0, 0, 0, 0};
  for (int b = 0; b < P2_WIDTH; b += 4) {
    for (int i = 0; i < 4; i++) {
      uint64_t acc = 0;
      for (int j = 0; j < 4; j++) acc += static_cast<uint64_t>(P2_MAT4[i][j]) * s[b + j];
      y[b + i] = acc;
      c[i] += acc;
    }
  }
  for (int b = 0; b < P2_WIDTH; b += 4)
    for (int i = 0; i < 4; i++) s[b + i] = reduce64(y[b + i] + c[i]);
}

ZPOL_HD void p2_external_rounds(uint32_t* s, const uint32_t (*rc)[P2_WIDTH]) {
  for (int r = 0; r < P2_HALF_ROUNDS_F; r++) {
    for (int i = 0; i < P2_WIDTH; i++) s[i] = p2_sbox(add(s[i], rc[r][i]));
    p2_external(s);
  }
}

/** The permutation, in place, on 16 canonical elements. */
ZPOL_HD void p2_permute(uint32_t* s) {
  p2_external(s);
  p2_external_rounds(s, P2_RC_INITIAL);
  for (int r = 0; r < P2_ROUNDS_P; r++) {
    s[0] = p2_sbox(add(s[0], P2_RC_INTERNAL[r]));
    uint64_t sum = 0;
    for (int i = 0; i < P2_WIDTH; i++) sum += s[i];
    uint32_t total = reduce64(sum);
    for (int i = 0; i < P2_WIDTH; i++) s[i] = add(total, mul(P2_DIAG[i], s[i]));
  }
  p2_external_rounds(s, P2_RC_TERMINAL);
}

/**
 * The sponge digest of `len` elements read as in[i * stride] (stride 1 for a row in place), into out[0..8).
 * A partial (or empty) last block is followed by 1 and zeros in the rate; a full last block adds 1 to the first
 * capacity element instead.
 */
ZPOL_HD void p2_hash(const uint32_t* in, uint32_t len, uint32_t* out) {
  uint32_t s[P2_WIDTH];
  for (int i = 0; i < P2_WIDTH; i++) s[i] = 0;
  uint32_t i = 0;
  for (;;) {
    uint32_t n = len - i < P2_RATE ? len - i : P2_RATE;
    for (uint32_t j = 0; j < n; j++) s[j] = in[i + j];
    i += n;
    if (n < P2_RATE) {
      s[n] = 1;
      for (uint32_t j = n + 1; j < P2_RATE; j++) s[j] = 0;
      break;
    }
    if (i == len) {
      s[P2_RATE] = add(s[P2_RATE], 1);
      break;
    }
    p2_permute(s);
  }
  p2_permute(s);
  for (int j = 0; j < P2_DIGEST; j++) out[j] = s[j];
}

/** compress(left || right): the first 8 elements of the permutation of the 16 inputs. */
ZPOL_HD void p2_compress(const uint32_t* in16, uint32_t* out) {
  uint32_t s[P2_WIDTH];
  for (int i = 0; i < P2_WIDTH; i++) s[i] = in16[i];
  p2_permute(s);
  for (int j = 0; j < P2_DIGEST; j++) out[j] = s[j];
}

}  // namespace zpol
