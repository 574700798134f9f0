// Eight Poseidon2 permutations at once (gpu/device/poseidon2.h's function, plonky3-babybear-16) on vectors of 8
// elements held in 64-bit lanes (AVX-512 registers where the target has them), in Montgomery form (x·2^32 mod p) so
// that products need no division: a product is a Montgomery multiplication, a constant is added or multiplied in
// Montgomery form, and the linear layers' small-integer combinations (below 2^40) reduce by p's shape
// (2^31 ≡ 2^27 − 1). Shared by the proof-of-work searches (grind.cc) and the tensor commitment (tensor-commit.cc).
#pragma once
#include <cstddef>
#include <cstdint>
#if defined(__AVX512F__)
#include "x86-intrin.h"
#endif

#include "../device/poseidon2.h"

namespace zpol {
namespace p2x8 {

typedef uint64_t u64x8 __attribute__((vector_size(64)));
constexpr size_t LANES = 8;
constexpr uint64_t M32 = 0xffffffffu, M31 = 0x7fffffffu;

inline u64x8 lanes(uint64_t x) { return u64x8{} + x; }

// The product of the low 32 bits of each lane (both factors below 2^32 here): one vpmuludq with AVX-512, where a
// plain 64-bit product would be the slower vpmullq.
inline u64x8 mul32(u64x8 a, u64x8 b) {
#if defined(__AVX512F__)
  return reinterpret_cast<u64x8>(_mm512_mul_epu32(reinterpret_cast<__m512i>(a), reinterpret_cast<__m512i>(b)));
#else
  return a * b;
#endif
}

// Canonical a·b·2^-32 for canonical a, b (as mul_mont).
inline u64x8 mont(u64x8 a, u64x8 b) {
  const u64x8 prod = mul32(a, b);
  const u64x8 m = mul32(prod, lanes(MONT_MU)) & M32;
  u64x8 r = (prod + mul32(m, lanes(P))) >> 32;
  return r - (reinterpret_cast<u64x8>(r >= P) & P);
}

inline u64x8 add_lanes(u64x8 a, u64x8 b) {
  const u64x8 s = a + b;
  return s - (reinterpret_cast<u64x8>(s >= P) & P);
}

// x mod p for x < 2^40, canonical.
inline u64x8 reduce_small(u64x8 x) {
  for (int i = 0; i < 3; i++) x = mul32(x >> 31, lanes((uint64_t{1} << 27) - 1)) + (x & M31);
  return x - (reinterpret_cast<u64x8>(x >= P) & P);
}

inline u64x8 sbox(const u64x8 x) {
  const u64x8 x2 = mont(x, x), x4 = mont(x2, x2);
  return mont(mont(x4, x2), x);
}

struct Constants {
  uint64_t initial[P2_HALF_ROUNDS_F][P2_WIDTH], internal[P2_ROUNDS_P], terminal[P2_HALF_ROUNDS_F][P2_WIDTH], diag[P2_WIDTH];
  uint64_t r2;  // 2^64 mod p: a Montgomery product by it puts a canonical value into Montgomery form
};

inline const Constants& constants() {
  static const Constants k = [] {
    Constants c{};
    for (int r = 0; r < P2_HALF_ROUNDS_F; r++)
      for (int i = 0; i < P2_WIDTH; i++) c.initial[r][i] = to_mont(P2_RC_INITIAL[r][i]), c.terminal[r][i] = to_mont(P2_RC_TERMINAL[r][i]);
    for (int r = 0; r < P2_ROUNDS_P; r++) c.internal[r] = to_mont(P2_RC_INTERNAL[r]);
    for (int i = 0; i < P2_WIDTH; i++) c.diag[i] = to_mont(P2_DIAG[i]);
    c.r2 = to_mont(to_mont(1));
    return c;
  }();
  return k;
}

// Into and out of Montgomery form.
inline u64x8 to_mont_lanes(const Constants& k, u64x8 x) { return mont(x, lanes(k.r2)); }
inline u64x8 from_mont_lanes(u64x8 x) { return mont(x, lanes(1)); }

// M_E as p2_external: M4 on each block of four, then each element adds the sum of its position across blocks.
inline void external_lanes(u64x8* s) {
  u64x8 y[P2_WIDTH], c[4] = {};
  for (int b = 0; b < P2_WIDTH; b += 4)
    for (int i = 0; i < 4; i++) {
      u64x8 acc = {};
      for (int j = 0; j < 4; j++) acc += mul32(s[b + j], lanes(P2_MAT4[i][j]));
      y[b + i] = acc;
      c[i] += acc;
    }
  for (int b = 0; b < P2_WIDTH; b += 4)
    for (int i = 0; i < 4; i++) s[b + i] = reduce_small(y[b + i] + c[i]);
}

// p2_permute on 16 canonical Montgomery-form lanes, in place; the result is canonical and in Montgomery form (the
// form is linear, so the linear layers act on it unchanged). A chain of permutations (a sponge, a hash chain) stays
// in the form between them.
inline void permute_mont(const Constants& k, u64x8* s) {
  external_lanes(s);
  for (int r = 0; r < P2_HALF_ROUNDS_F; r++) {
    for (int i = 0; i < P2_WIDTH; i++) s[i] = sbox(add_lanes(s[i], lanes(k.initial[r][i])));
    external_lanes(s);
  }
  for (int r = 0; r < P2_ROUNDS_P; r++) {
    s[0] = sbox(add_lanes(s[0], lanes(k.internal[r])));
    u64x8 sum = {};
    for (int i = 0; i < P2_WIDTH; i++) sum += s[i];
    const u64x8 total = reduce_small(sum);
    for (int i = 0; i < P2_WIDTH; i++) s[i] = add_lanes(total, mont(s[i], lanes(k.diag[i])));
  }
  for (int r = 0; r < P2_HALF_ROUNDS_F; r++) {
    for (int i = 0; i < P2_WIDTH; i++) s[i] = sbox(add_lanes(s[i], lanes(k.terminal[r][i])));
    external_lanes(s);
  }
}

}  // namespace p2x8
}  // namespace zpol
