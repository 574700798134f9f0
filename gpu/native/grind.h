// Proof-of-work grinding on the CPU (issue #18): the least nonce solving the puzzle of runtime/proof/pow.ts, in the
// BLAKE3 configuration or the Poseidon2 one, the same nonce as the TypeScript reference's search from `start`.
#pragma once
#include <cstdint>

namespace zpol {

// No nonce solves the puzzle in [start, limit).
constexpr uint64_t NO_NONCE = UINT64_MAX;

// BLAKE3: the keyed hash of challenge (8 words) || bits || nonce_lo || nonce_hi has `bits` leading zero bits (its
// first 8 bytes, a little-endian u64, below 2^(64 − bits)). 0 <= bits <= 64.
uint64_t grind_blake3(const uint32_t key[8], const uint32_t challenge[8], uint32_t bits, uint64_t start, uint64_t limit);

// Poseidon2: the permutation of challenge (16 elements: 8 squeezed, bits, the nonce's slots zero, zeros) with element
// 9 = nonce mod 2^30 and element 10 = floor(nonce / 2^30) has element 0 below floor(p / 2^bits). 0 <= bits <= 30.
// grind_poseidon2_lanes with that one threshold (one search loop for both puzzles).
uint64_t grind_poseidon2(const uint32_t challenge[16], uint32_t bits, uint64_t start, uint64_t limit);

// A draw's proof of work (runtime/run/sampling.ts grind): the same permutation and nonce slots (element 10 =
// floor(nonce / 2^30), so nonces past 2^30 are searched as the reference does), the work spread over the output's
// first `lanes` elements: element l below thresholds[l] for every l < lanes (1 <= lanes <= 8, thresholds <= p).
uint64_t grind_poseidon2_lanes(const uint32_t challenge[16], const uint32_t* thresholds, uint32_t lanes, uint64_t start, uint64_t limit);

}  // namespace zpol
