// The BLAKE3 Merkle trees of runtime/proof/merkle (hasher 'blake3-keyed-v1') on the CPU: the hash itself is the
// shared device code's (gpu/device/blake3.h); these run it over many rows, sixteen messages at a time.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../device/blake3.h"

namespace zpol {

// `count` field elements drawn from runtime/proof/rng.ts's stream (block k is the keyed BLAKE3 of k's 8 bytes, 8
// words each), from block `counter` on, as rng.ts fillField draws them: the low 31 bits of each word, kept when
// below p. Returns the words consumed (from the counter's block on) and the last block begun.
size_t keyed_field_stream(const uint32_t key[8], uint64_t counter, size_t count, uint32_t* out, uint32_t last[8]);

// The layer above `n` nodes' worth of children: node j is the keyed hash of children 2j and 2j + 1 of `below`.
void merkle_nodes(const uint32_t node_key[8], const uint32_t* below, size_t n, uint32_t* out);

// Leaf digests of `height` leaves: leaf i's message is salts row i (salt_width words) then row i of each matrix.
void merkle_leaves(const uint32_t leaf_key[8], const uint32_t* const* matrices, const size_t* widths, size_t count,
                   const uint32_t* salts, size_t salt_width, size_t height, uint32_t* leaves);

}  // namespace zpol
