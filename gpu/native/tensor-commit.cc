#include "tensor-commit.h"

#include <algorithm>

#include "../device/tensor-commit.h"
#include "parallel.h"
#include "poseidon2-x8.h"

namespace zpol {

uint32_t tensor_row_chunks(uint32_t cols) { return (cols + 7) / 8 / tensor_chunk_words(cols); }

// Rows r0 .. r0 + 7 in the lanes (a lane past the last row hashes the last row again and is not written out). The
// chains stay in Montgomery form from one compression to the next: a word enters the form once, a digest leaves it
// once.
void tensor_row_digests(const uint16_t* values, uint32_t rows, uint32_t cols, uint32_t* leaves, uint32_t* chunk_digests) {
  using namespace p2x8;
  const Constants& k = constants();
  const uint32_t words = (cols + 7) / 8, d = tensor_chunk_words(cols), chunks = words / d;
  const size_t groups = (size_t{rows} + LANES - 1) / LANES;
  parallel_for(groups, size_t{rows} * cols, size_t{1} << 14, [&](size_t begin, size_t end) {
    for (size_t group = begin; group < end; group++) {
      const size_t r0 = group * LANES;
      const uint16_t* row[LANES];
      for (size_t l = 0; l < LANES; l++) row[l] = values + std::min<size_t>(r0 + l, rows - 1) * cols;
      u64x8 leaf[P2_WIDTH], s[P2_WIDTH];
      for (uint32_t g = 0; g < chunks; g++) {
        for (int i = 0; i < 8; i++) s[i] = lanes(0);
        if (g == 0) {
          s[0] = lanes(rows), s[1] = lanes(cols);
          for (size_t l = 0; l < LANES; l++) s[2][l] = r0 + l;
        } else {
          s[0] = lanes(TENSOR_CHUNK_DOMAIN);
        }
        for (int i = 0; i < 8; i++) s[i] = to_mont_lanes(k, s[i]);
        for (uint32_t w = g * d; w < (g + 1) * d; w++) {
          for (uint32_t j = 0; j < 8; j++) {
            const uint32_t c = w * 8 + j;
            for (size_t l = 0; l < LANES; l++) s[8 + j][l] = c < cols ? row[l][c] : 0;
            s[8 + j] = to_mont_lanes(k, s[8 + j]);
          }
          permute_mont(k, s);
        }
        // s[0..8) is chunk g's digest (Montgomery form); the leaf is chunk 0's, then each next one compressed in.
        if (chunks > 1) {
          for (int i = 0; i < 8; i++) {
            const u64x8 v = from_mont_lanes(s[i]);
            for (size_t l = 0; l < LANES && r0 + l < rows; l++) chunk_digests[((r0 + l) * chunks + g) * 8 + i] = static_cast<uint32_t>(v[l]);
          }
        }
        if (g == 0) {
          for (int i = 0; i < 8; i++) leaf[i] = s[i];
        } else {
          for (int i = 0; i < 8; i++) leaf[8 + i] = s[i];
          permute_mont(k, leaf);
        }
      }
      for (int i = 0; i < 8; i++) {
        const u64x8 v = from_mont_lanes(leaf[i]);
        for (size_t l = 0; l < LANES && r0 + l < rows; l++) leaves[(r0 + l) * 8 + i] = static_cast<uint32_t>(v[l]);
      }
    }
  });
}

}  // namespace zpol
