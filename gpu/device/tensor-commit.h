// The leaf of a Poseidon2 commitment of a BF16 matrix (runtime/run/tensor-commit.ts): for row r of a [rows, cols]
// matrix, h <- [rows, cols, r, 0, 0, 0, 0, 0], then h <- compress(h || word) for each word of the row in order, a
// word being 8 bf16 bit patterns (0 past the row's end). The tree above is the Poseidon2 compression of siblings,
// padding leaves the all-zero word. Shared by the recording kernel (gpu/cuda/tensor-commit.cu) and the tests.
#pragma once
#include "poseidon2.h"

namespace zpol {

ZPOL_HD void tensor_leaf(uint32_t rows, uint32_t cols, uint32_t r, const uint16_t* row, uint32_t out[8]) {
  uint32_t s[16] = {rows, cols, r, 0, 0, 0, 0, 0};
  for (uint32_t w = 0; w * 8 < cols; w++) {
    for (uint32_t k = 0; k < 8; k++) s[8 + k] = w * 8 + k < cols ? row[w * 8 + k] : 0;
    p2_compress(s, s);
  }
  for (int i = 0; i < 8; i++) out[i] = s[i];
}

}  // namespace zpol
