#include "grind.h"

#include <algorithm>
#include <vector>

#include "blake3-x16.h"
#include "parallel.h"
#include "poseidon2-x8.h"

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
  const size_t threads = kernel_threads();
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
  using namespace p2x8;
  const Constants& k = constants();
  return least_nonce(start, limit, [&](uint64_t lo, uint64_t hi) -> uint64_t {
    u64x8 s[P2_WIDTH];
    for (uint64_t n = lo; n < hi; n += LANES) {
      for (int i = 0; i < P2_WIDTH; i++) s[i] = lanes(challenge[i]);
      for (size_t l = 0; l < LANES; l++) {
        s[9][l] = (n + l) & ((uint64_t{1} << 30) - 1);
        s[10][l] = (n + l) >> 30;
      }
      for (int i = 0; i < P2_WIDTH; i++) s[i] = to_mont_lanes(k, s[i]);
      permute_mont(k, s);
      // Only element 0 leaves Montgomery form at once; the others are converted once it passes (past 30 bits of
      // work element 0 must be zero, so almost never).
      s[0] = from_mont_lanes(s[0]);
      for (size_t l = 0; l < LANES && n + l < hi; l++) {
        bool holds = s[0][l] < thresholds[0];
        for (uint32_t e = 1; holds && e < count; e++) holds = from_mont_lanes(s[e])[l] < thresholds[e];
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
