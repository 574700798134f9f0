// Sixteen BLAKE3 compressions at once (issue #18), shared by the Merkle trees (blake3.cc) and proof-of-work grinding
// (grind.cc): lane l of every vector is one independent message, so the rounds are the scalar ones on vectors of 16
// words, which the compiler maps to AVX-512 (or two AVX2, or SSE) registers as the target allows, and to scalar code
// elsewhere. All lanes share the counter (0: one chunk each), the block length and the flags.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../device/blake3.h"

namespace zpol {

typedef uint32_t u32x16 __attribute__((vector_size(64)));
constexpr size_t B3_LANES = 16;

inline u32x16 splat(uint32_t x) { return u32x16{} + x; }

// cv[0..8) of every lane becomes the first 8 words of the compression of its block m[0..16).
inline void compress_x16(u32x16 cv[8], const u32x16 block[16], uint32_t block_len, uint32_t flags) {
  u32x16 s[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7], splat(B3_IV0), splat(B3_IV1), splat(B3_IV2), splat(B3_IV3),
                  splat(0), splat(0), splat(block_len), splat(flags)};
  u32x16 m[16];
  for (int i = 0; i < 16; i++) m[i] = block[i];
  b3_rounds(s, m);
  for (int i = 0; i < 8; i++) cv[i] = s[i] ^ s[i + 8];
}

}  // namespace zpol
