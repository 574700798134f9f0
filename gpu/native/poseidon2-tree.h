// Poseidon2 Merkle trees on the CPU (hasher 'poseidon2-babybear-16', runtime/proof/merkle/poseidon2-hasher.ts), with
// the shared device code of gpu/device/poseidon2.h: the same function as the CUDA kernels of gpu/cuda/merkle.cu.
#pragma once
#include <cstddef>
#include <cstdint>

namespace zpol {

// Whether every element of the matrices and salts is canonical (the Poseidon2 hasher refuses any other).
bool all_canonical(const uint32_t* const* matrices, const size_t* widths, size_t count, const uint32_t* salts, size_t salt_width, size_t height);

// Leaf digests of `height` leaves: leaf i's message is salts row i (salt_width elements) then row i of each matrix,
// hashed with the Poseidon2 sponge. Returns false (and computes nothing) when an element is not canonical.
bool poseidon2_merkle_leaves(const uint32_t* const* matrices, const size_t* widths, size_t count, const uint32_t* salts,
                             size_t salt_width, size_t height, uint32_t* leaves);

// The n parents of the 2n digests in `below`: the Poseidon2 compression of each pair.
void poseidon2_merkle_nodes(const uint32_t* below, size_t n, uint32_t* out);

}  // namespace zpol
