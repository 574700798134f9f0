// A Poseidon2 commitment of a BF16 matrix (runtime/run/tensor-commit.ts): row r of a [rows, cols] matrix is
// W = ceil(cols / 8) words, a word being 8 bf16 bit patterns (0 past the row's end), split into chunks of
// D = chunk_words(cols) words; chunk g's digest is h <- [rows, cols, r, 0, ...] for g = 0 and [CHUNK_DOMAIN, 0, ...]
// after, then h <- compress(h || word) for each of its words in order; the leaf is chunk 0's digest, then
// h <- compress(h || digest) for each next chunk digest in order (a row of one chunk: its words' chain from
// [rows, cols, r, 0, ...]). The tree above is the Poseidon2 compression of siblings, padding leaves the all-zero
// word, and the root is compress([SHAPE_DOMAIN, rows, cols, 0, ...] || the tree's top node). Shared by the
// recording kernel (gpu/cuda/tensor-commit.cu) and the tests.
#pragma once
#include "poseidon2.h"

namespace zpol {

constexpr uint32_t TENSOR_CHUNK_DOMAIN = 0x5443484b;  // 'TCHK'
constexpr uint32_t TENSOR_SHAPE_DOMAIN = 0x54534850;  // 'TSHP'
constexpr uint32_t TENSOR_MAX_CHUNK_WORDS = 64;
constexpr uint32_t TENSOR_MIN_CHUNK_WORDS = 8;

// The words of a chunk: the largest divisor of W up to 64 when it is at least 8, else W (the row one chunk).
ZPOL_HD uint32_t tensor_chunk_words(uint32_t cols) {
  const uint32_t w = (cols + 7) / 8;
  if (w <= TENSOR_MAX_CHUNK_WORDS) return w;
  for (uint32_t d = TENSOR_MAX_CHUNK_WORDS; d >= TENSOR_MIN_CHUNK_WORDS; d--)
    if (w % d == 0) return d;
  return w;
}

ZPOL_HD void tensor_leaf(uint32_t rows, uint32_t cols, uint32_t r, const uint16_t* row, uint32_t out[8]) {
  const uint32_t words = (cols + 7) / 8, d = tensor_chunk_words(cols);
  uint32_t leaf[16] = {0};
  for (uint32_t g = 0; g * d < words; g++) {
    uint32_t s[16] = {g == 0 ? rows : TENSOR_CHUNK_DOMAIN, g == 0 ? cols : 0, g == 0 ? r : 0, 0, 0, 0, 0, 0};
    for (uint32_t w = g * d; w < (g + 1) * d; w++) {
      for (uint32_t k = 0; k < 8; k++) s[8 + k] = w * 8 + k < cols ? row[w * 8 + k] : 0;
      p2_compress(s, s);
    }
    if (g == 0) {
      for (int i = 0; i < 8; i++) leaf[i] = s[i];
    } else {
      for (int i = 0; i < 8; i++) leaf[8 + i] = s[i];
      p2_compress(leaf, leaf);
    }
  }
  for (int i = 0; i < 8; i++) out[i] = leaf[i];
}

// The root above a tree whose top node is `tree`: compress([SHAPE_DOMAIN, rows, cols, 0, ...] || tree).
ZPOL_HD void tensor_shaped_root(uint32_t rows, uint32_t cols, const uint32_t tree[8], uint32_t out[8]) {
  uint32_t s[16] = {TENSOR_SHAPE_DOMAIN, rows, cols, 0, 0, 0, 0, 0};
  for (int i = 0; i < 8; i++) s[8 + i] = tree[i];
  p2_compress(s, s);
  for (int i = 0; i < 8; i++) out[i] = s[i];
}

}  // namespace zpol
