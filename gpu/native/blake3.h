// BLAKE3 (https://github.com/BLAKE3-team/BLAKE3-specs), the keyed-hash mode over word-aligned messages, and the
// Merkle trees of runtime/proof/merkle (hasher 'blake3-keyed-v1': leaves hashed with one key, nodes with another).
// Written from the specification; the TypeScript reference (runtime/proof/hash/blake3.ts) is the oracle in tests.
#pragma once
#include <cstddef>
#include <cstdint>

namespace zpol {

// Keyed BLAKE3 of the little-endian bytes of words[0..len): 8 words into out.
void blake3_keyed_words(const uint32_t key[8], const uint32_t* words, size_t len, uint32_t out[8]);

// Keyed BLAKE3 of exactly 16 words (one block): a Merkle node of two 8-word children.
void blake3_keyed_64(const uint32_t key[8], const uint32_t* block, uint32_t out[8]);

// The layer above `n` nodes' worth of children: node j is the keyed hash of children 2j and 2j + 1 of `below`.
void merkle_nodes(const uint32_t node_key[8], const uint32_t* below, size_t n, uint32_t* out);

// Leaf digests of `height` leaves: leaf i's message is salts row i (salt_width words) then row i of each matrix.
void merkle_leaves(const uint32_t leaf_key[8], const uint32_t* const* matrices, const size_t* widths, size_t count,
                   const uint32_t* salts, size_t salt_width, size_t height, uint32_t* leaves);

}  // namespace zpol
