#include "grind.h"

#include <algorithm>
#if defined(__AVX512F__)
#include "x86-intrin.h"
#endif
#include <thread>
#include <vector>

#include "../device/poseidon2.h"
#include "blake3-x16.h"
#include "parallel.h"

namespace zpol {
namespace {

// The least nonce in [start, limit) for which scan finds one, scanning ascending: a first stretch on this thread (an
// easy puzzle ends there without starting threads), then rounds of one slice per thread; the least hit of a round
// is the least nonce overall, because every nonce below the round was tried in an earlier one.
template <typename Scan>
uint64_t least_nonce(uint64_t start, uint64_t limit, Scan scan) {
  if (start >= limit) return NO_NONCE;
  const uint64_t first = std::min(limit, start + (uint64_t{1} << 12));
  const uint64_t hit = scan(start, first);
  if (hit != NO_NONCE) return hit;
  const size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 16);
  const uint64_t slice = uint64_t{1} << 16;
  std::vector<uint64_t> found(threads);
  for (uint64_t base = first; base < limit;) {
    const uint64_t end = limit - base > threads * slice ? base + threads * slice : limit;
    std::fill(found.begin(), found.end(), NO_NONCE);
    parallel_for(threads, threads, 0, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; t++) {
        const uint64_t lo = base + t * slice;
        if (lo < end) found[t] = scan(lo, std::min(end, lo + slice));
      }
    });
    const uint64_t best = *std::min_element(found.begin(), found.end());
    if (best != NO_NONCE) return best;
    base = end;
  }
  return NO_NONCE;
}

bool leading_zeros(uint64_t v, uint32_t bits) { return bits == 0 || (v >> (64 - bits)) == 0; }

// Eight Poseidon2 permutations at once for the Poseidon2 puzzle: gpu/device/poseidon2.h's function on vectors of 8
// elements held in 64-bit lanes (AVX-512 registers where the target has them), in Montgomery form (x·2^32 mod p) so
// that products need no division: a product is a Montgomery multiplication, a constant is added or multiplied in
// Montgomery form, and the linear layers' small-integer combinations (below 2^40) reduce by p's shape
// (2^31 ≡ 2^27 − 1). Inputs enter and element 0 leaves through a Montgomery multiplication by 2^64 mod p and by 1.
typedef uint64_t u64x8 __attribute__((vector_size(64)));
constexpr size_t P2_LANES = 8;
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

struct P2Lanes {
  uint64_t initial[P2_HALF_ROUNDS_F][P2_WIDTH], internal[P2_ROUNDS_P], terminal[P2_HALF_ROUNDS_F][P2_WIDTH], diag[P2_WIDTH];
  uint64_t r2;  // 2^64 mod p: into Montgomery form
};

const P2Lanes& p2_lanes() {
  static const P2Lanes k = [] {
    P2Lanes c{};
    for (int r = 0; r < P2_HALF_ROUNDS_F; r++)
      for (int i = 0; i < P2_WIDTH; i++) c.initial[r][i] = to_mont(P2_RC_INITIAL[r][i]), c.terminal[r][i] = to_mont(P2_RC_TERMINAL[r][i]);
    for (int r = 0; r < P2_ROUNDS_P; r++) c.internal[r] = to_mont(P2_RC_INTERNAL[r]);
    for (int i = 0; i < P2_WIDTH; i++) c.diag[i] = to_mont(P2_DIAG[i]);
    c.r2 = to_mont(to_mont(1));
    return c;
  }();
  return k;
}

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

// p2_permute on canonical inputs; on return s[0] is canonical (the other elements stay in Montgomery form).
void p2_permute_lanes(const P2Lanes& k, u64x8* s) {
  for (int i = 0; i < P2_WIDTH; i++) s[i] = mont(s[i], lanes(k.r2));
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
  s[0] = mont(s[0], lanes(1));
}

}  // namespace

uint64_t grind_blake3(const uint32_t key[8], const uint32_t challenge[8], uint32_t bits, uint64_t start, uint64_t limit) {
  // One 44-byte block: the chunk's only block and the root, keyed.
  const uint32_t flags = B3_KEYED_HASH | B3_CHUNK_START | B3_CHUNK_END | B3_ROOT;
  return least_nonce(start, limit, [&](uint64_t lo, uint64_t hi) -> uint64_t {
    u32x16 block[16] = {};  // lanes 9 and 10 are written lane by lane below: start from zeros, not undefined vectors
    for (int w = 0; w < 8; w++) block[w] = splat(challenge[w]);
    block[8] = splat(bits);
    for (int w = 11; w < 16; w++) block[w] = splat(0);
    for (uint64_t n = lo; n < hi; n += B3_LANES) {
      for (size_t l = 0; l < B3_LANES; l++) {
        block[9][l] = static_cast<uint32_t>(n + l);
        block[10][l] = static_cast<uint32_t>((n + l) >> 32);
      }
      u32x16 cv[8];
      for (int i = 0; i < 8; i++) cv[i] = splat(key[i]);
      compress_x16(cv, block, 44, flags);
      for (size_t l = 0; l < B3_LANES && n + l < hi; l++) {
        if (leading_zeros(static_cast<uint64_t>(cv[0][l]) | static_cast<uint64_t>(cv[1][l]) << 32, bits)) return n + l;
      }
    }
    return NO_NONCE;
  });
}

uint64_t grind_poseidon2_lanes(const uint32_t challenge[16], const uint32_t* thresholds, uint32_t count, uint64_t start, uint64_t limit) {
  const P2Lanes& k = p2_lanes();
  return least_nonce(start, limit, [&](uint64_t lo, uint64_t hi) -> uint64_t {
    u64x8 s[P2_WIDTH];
    for (uint64_t n = lo; n < hi; n += P2_LANES) {
      for (int i = 0; i < P2_WIDTH; i++) s[i] = lanes(challenge[i]);
      for (size_t l = 0; l < P2_LANES; l++) {
        s[9][l] = (n + l) & ((uint64_t{1} << 30) - 1);
        s[10][l] = (n + l) >> 30;
      }
      p2_permute_lanes(k, s);
      // Elements past 0 leave the permutation in Montgomery form: converted only once element 0 passes (past 30
      // bits of work element 0 must be zero, so almost never).
      for (size_t l = 0; l < P2_LANES && n + l < hi; l++) {
        bool holds = s[0][l] < thresholds[0];
        for (uint32_t e = 1; holds && e < count; e++) holds = mont(s[e], lanes(1))[l] < thresholds[e];
        if (holds) return n + l;
      }
    }
    return NO_NONCE;
  });
}

// The transcript's puzzle is the draw's with one threshold, on element 0: ⌊p / 2^bits⌋.
uint64_t grind_poseidon2(const uint32_t challenge[16], uint32_t bits, uint64_t start, uint64_t limit) {
  const uint32_t bound = P >> bits;
  return grind_poseidon2_lanes(challenge, &bound, 1, start, limit);
}

}  // namespace zpol
