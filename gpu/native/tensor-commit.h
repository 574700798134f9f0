// The row hashes of a tensor commitment on the CPU (runtime/run/tensor-commit.ts, gpu/device/tensor-commit.h):
// every row's chunk digests and leaf, eight rows at a time in vector lanes, rows split across threads.
#pragma once
#include <cstdint>

namespace zpol {

// For each row r < rows of a row-major [rows, cols] matrix of bf16 bit patterns: leaves[8r..8r+8) = leaf(r) and,
// when a row has more than one chunk (G = words / chunk_words > 1), chunk_digests[(r·G + g)·8 ..) = chunk(g) of row
// r; chunk_digests is not written (may be null) when G = 1. rows >= 1, cols >= 1, both below p.
// The chunks of a row of `cols` values (words / chunk words, gpu/device/tensor-commit.h).
uint32_t tensor_row_chunks(uint32_t cols);

void tensor_row_digests(const uint16_t* values, uint32_t rows, uint32_t cols, uint32_t* leaves, uint32_t* chunk_digests);

}  // namespace zpol
