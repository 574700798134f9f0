#include "blake3.h"
#include "../device/blake3.h"
#include "../device/babybear.h"
#include "blake3-x16.h"
#include "parallel.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

namespace zpol {
namespace {

constexpr size_t LANES = B3_LANES;

// Word w of lane l's block into block[w][l]: 16 rows of 16 words (the first n of each, zeros after) transposed by
// four rounds of two-source shuffles instead of 256 single-lane inserts. Round b exchanges bit b between the row
// and the column index: for rows i and i + 2^b (bit b of i clear), entries (i, j + 2^b) and (i + 2^b, j) swap for
// every column j with bit b clear; after the four rounds entry (i, j) sits at (j, i).
inline void transpose_block(const uint32_t* rows, size_t stride, size_t n, u32x16 block[16]) {
  for (size_t l = 0; l < LANES; l++) {
    if (n == B3_BLOCK_WORDS) {
      std::memcpy(&block[l], rows + l * stride, 64);
    } else {
      block[l] = splat(0);
      std::memcpy(&block[l], rows + l * stride, n * 4);
    }
  }
  static const u32x16 lo_mask[4] = {{0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30},
                                    {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29},
                                    {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27},
                                    {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23}};
  static const u32x16 hi_mask[4] = {{1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31},
                                    {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31},
                                    {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31},
                                    {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31}};
  for (int b = 0; b < 4; b++) {
    const size_t m = size_t{1} << b;
    for (size_t i = 0; i < LANES; i++) {
      if (i & m) continue;
      const u32x16 lo = block[i], hi = block[i | m];
      block[i] = __builtin_shuffle(lo, hi, lo_mask[b]);
      block[i | m] = __builtin_shuffle(lo, hi, hi_mask[b]);
    }
  }
}

// Keyed BLAKE3 of 16 messages of `len` words each (0 < len <= B3_CHUNK_WORDS: one chunk, the root), lane l's words at
// messages + l * stride; digest l into out + l * 8.
void hash_chunks_x16(const uint32_t key[8], const uint32_t* messages, size_t stride, size_t len, uint32_t* out) {
  u32x16 cv[8];
  for (int i = 0; i < 8; i++) cv[i] = splat(key[i]);
  const size_t blocks = (len + B3_BLOCK_WORDS - 1) / B3_BLOCK_WORDS;
  for (size_t b = 0; b < blocks; b++) {
    const size_t start = b * B3_BLOCK_WORDS, n = std::min(B3_BLOCK_WORDS, len - start);
    u32x16 block[16];
    transpose_block(messages + start, stride, n, block);
    const uint32_t f = B3_KEYED_HASH | (b == 0 ? B3_CHUNK_START : 0) | (b + 1 == blocks ? B3_CHUNK_END | B3_ROOT : 0);
    compress_x16(cv, block, static_cast<uint32_t>(n * 4), f);
  }
  for (size_t l = 0; l < LANES; l++) {
    for (int i = 0; i < 8; i++) out[l * 8 + i] = cv[i][l];
  }
}

// The keyed hashes of blocks counter, counter + 1, …: block k's message is k's 8 little-endian bytes (words: low,
// high), one block, one chunk, the root; 16 at a time. One thread: keyed_field_stream's batches are a few thousand
// blocks, below what a split across threads pays for.
void keyed_stream(const uint32_t key[8], uint64_t counter, size_t blocks, uint32_t* out) {
  for (size_t b = 0; b < blocks; b += LANES) {
    u32x16 cv[8], block[16];
    for (int i = 0; i < 8; i++) cv[i] = splat(key[i]);
    for (int i = 2; i < 16; i++) block[i] = splat(0);
    for (size_t l = 0; l < LANES; l++) {
      const uint64_t k = counter + b + l;
      block[0][l] = static_cast<uint32_t>(k);
      block[1][l] = static_cast<uint32_t>(k >> 32);
    }
    compress_x16(cv, block, 8, B3_CHUNK_START | B3_CHUNK_END | B3_ROOT | B3_KEYED_HASH);
    for (size_t l = 0; l < LANES && b + l < blocks; l++)
      for (int i = 0; i < 8; i++) out[(b + l) * 8 + i] = cv[i][l];
  }
}

}  // namespace

size_t keyed_field_stream(const uint32_t key[8], uint64_t counter, size_t count, uint32_t* out, uint32_t last[8]) {
  // Batches of blocks that stay in the cache (a word is rejected with probability below 1/16: blocks for 1.1 words an
  // element, at most a batch's worth).
  constexpr size_t BATCH_BLOCKS = 4096;
  std::vector<uint32_t> words(BATCH_BLOCKS * 8);
  size_t i = 0, consumed = 0;
  while (i < count) {
    const size_t blocks = std::min(BATCH_BLOCKS, std::max<size_t>(16, ((count - i) * 11 / 10 + 7) / 8 + 2));
    keyed_stream(key, counter, blocks, words.data());
    size_t w = 0;
    while (i < count && w < blocks * 8) {
      const uint32_t v = words[w++] & 0x7fffffffu;
      if (v < P) out[i++] = v;
    }
    std::memcpy(last, words.data() + (w + 7) / 8 * 8 - 8, 32);
    consumed += w;
    counter += blocks;  // a batch left unfinished only when the draw is complete
  }
  return consumed;
}

void merkle_nodes(const uint32_t node_key[8], const uint32_t* below, size_t n, uint32_t* out) {
  size_t j = 0;
  for (; j + LANES <= n; j += LANES) hash_chunks_x16(node_key, below + 2 * j * 8, 16, 16, out + j * 8);
  for (; j < n; j++) blake3_keyed_64(node_key, below + 2 * j * 8, out + j * 8);
}

void merkle_leaves(const uint32_t leaf_key[8], const uint32_t* const* matrices, const size_t* widths, size_t count,
                   const uint32_t* salts, size_t salt_width, size_t height, uint32_t* leaves) {
  size_t row_len = salt_width;
  for (size_t k = 0; k < count; k++) row_len += widths[k];
  // Rows of one chunk hash 16 at a time; longer rows, and the rows left over, one at a time.
  auto work = [&](size_t begin, size_t end) {
    std::vector<uint32_t> message(row_len);
    if (row_len <= B3_CHUNK_WORDS) {
      std::vector<uint32_t> batch(LANES * row_len);
      for (; begin + LANES <= end; begin += LANES) {
        for (size_t l = 0; l < LANES; l++) leaf_message(matrices, widths, count, salts, salt_width, begin + l, batch.data() + l * row_len);
        hash_chunks_x16(leaf_key, batch.data(), row_len, row_len, leaves + begin * 8);
      }
    }
    for (size_t i = begin; i < end; i++) {
      leaf_message(matrices, widths, count, salts, salt_width, i, message.data());
      blake3_keyed_words(leaf_key, message.data(), row_len, leaves + i * 8);
    }
  };
  parallel_for(height, height * row_len, size_t{1} << 14, work, LANES);
}

}  // namespace zpol
