#include "blake3.h"
#include "parallel.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

namespace zpol {
namespace {

constexpr uint32_t IV[8] = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
                            0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};
constexpr uint8_t PERMUTATION[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};
constexpr uint32_t CHUNK_START = 1, CHUNK_END = 2, PARENT = 4, ROOT = 8, KEYED_HASH = 16;
constexpr size_t BLOCK_WORDS = 16, CHUNK_WORDS = 256;  // 64-byte blocks, 1024-byte chunks

// The quarter-round and the seven rounds, for one message (V = uint32_t) or sixteen side by side (V = u32x16,
// below): the same code on words or on vectors of words.
template <typename V>
inline V rotr(V x, int n) { return (x >> n) | (x << (32 - n)); }

template <typename V>
inline void g(V* s, int a, int b, int c, int d, V x, V y) {
  s[a] = s[a] + s[b] + x;
  s[d] = rotr(s[d] ^ s[a], 16);
  s[c] = s[c] + s[d];
  s[b] = rotr(s[b] ^ s[c], 12);
  s[a] = s[a] + s[b] + y;
  s[d] = rotr(s[d] ^ s[a], 8);
  s[c] = s[c] + s[d];
  s[b] = rotr(s[b] ^ s[c], 7);
}

// The state s after the seven rounds over the message words m (m is permuted in place).
template <typename V>
inline void rounds(V s[16], V m[16]) {
  for (int round = 0; round < 7; round++) {
    g(s, 0, 4, 8, 12, m[0], m[1]);
    g(s, 1, 5, 9, 13, m[2], m[3]);
    g(s, 2, 6, 10, 14, m[4], m[5]);
    g(s, 3, 7, 11, 15, m[6], m[7]);
    g(s, 0, 5, 10, 15, m[8], m[9]);
    g(s, 1, 6, 11, 12, m[10], m[11]);
    g(s, 2, 7, 8, 13, m[12], m[13]);
    g(s, 3, 4, 9, 14, m[14], m[15]);
    if (round < 6) {
      V t[16];
      for (int i = 0; i < 16; i++) t[i] = m[PERMUTATION[i]];
      for (int i = 0; i < 16; i++) m[i] = t[i];
    }
  }
}

// The compression function: the first 8 words of its output into out.
void compress(const uint32_t cv[8], const uint32_t block[16], uint64_t counter, uint32_t block_len, uint32_t flags, uint32_t out[8]) {
  uint32_t s[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7], IV[0], IV[1], IV[2], IV[3],
                    static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), block_len, flags};
  uint32_t m[16];
  std::memcpy(m, block, sizeof m);
  rounds(s, m);
  for (int i = 0; i < 8; i++) out[i] = s[i] ^ s[i + 8];
}

// The chaining value of chunk `index` (words[0..len), len <= 256), with ROOT when it is the whole input.
void chunk_cv(const uint32_t key[8], uint32_t flags, const uint32_t* words, size_t len, uint64_t index, bool root, uint32_t out[8]) {
  uint32_t cv[8];
  std::memcpy(cv, key, sizeof cv);
  size_t blocks = len == 0 ? 1 : (len + BLOCK_WORDS - 1) / BLOCK_WORDS;
  for (size_t b = 0; b < blocks; b++) {
    uint32_t block[16] = {0};
    size_t n = std::min(BLOCK_WORDS, len - std::min(len, b * BLOCK_WORDS));
    std::memcpy(block, words + b * BLOCK_WORDS, n * 4);
    uint32_t f = flags | (b == 0 ? CHUNK_START : 0) | (b + 1 == blocks ? CHUNK_END : 0) | (root && b + 1 == blocks ? ROOT : 0);
    compress(cv, block, index, static_cast<uint32_t>(n * 4), f, cv);
  }
  std::memcpy(out, cv, sizeof cv);
}

// The chaining value of chunks [first, first + count) of words[0..len).
void subtree_cv(const uint32_t key[8], uint32_t flags, const uint32_t* words, size_t len, uint64_t first, uint64_t count, bool root, uint32_t out[8]) {
  if (count == 1) {
    size_t start = first * CHUNK_WORDS;
    chunk_cv(key, flags, words + start, std::min(CHUNK_WORDS, len - start), first, root, out);
    return;
  }
  // The left subtree holds the largest power of two of chunks that leaves at least one for the right.
  uint64_t left = 1;
  while (left * 2 < count) left *= 2;
  uint32_t block[16];
  subtree_cv(key, flags, words, len, first, left, false, block);
  subtree_cv(key, flags, words, len, first + left, count - left, false, block + 8);
  compress(key, block, 0, 64, flags | PARENT | (root ? ROOT : 0), out);
}

// Sixteen compressions at once (issue #18): lane l of every vector is one independent message, so the rounds are
// the scalar ones on vectors of 16 words, which the compiler maps to AVX-512 (or two AVX2, or SSE) registers as
// the target allows, and to scalar code elsewhere. All lanes share the counter (0: one chunk each), the block
// length and the flags.
typedef uint32_t u32x16 __attribute__((vector_size(64)));
constexpr size_t LANES = 16;

inline u32x16 splat(uint32_t x) { return u32x16{} + x; }

// cv[0..8) of every lane becomes the first 8 words of the compression of its block m[0..16).
void compress_x16(u32x16 cv[8], const u32x16 block[16], uint32_t block_len, uint32_t flags) {
  u32x16 s[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7], splat(IV[0]), splat(IV[1]), splat(IV[2]), splat(IV[3]),
                  splat(0), splat(0), splat(block_len), splat(flags)};
  u32x16 m[16];
  for (int i = 0; i < 16; i++) m[i] = block[i];
  rounds(s, m);
  for (int i = 0; i < 8; i++) cv[i] = s[i] ^ s[i + 8];
}

// Keyed BLAKE3 of 16 messages of `len` words each (0 < len <= CHUNK_WORDS: one chunk, the root), lane l's words at
// messages + l * stride; digest l into out + l * 8.
void hash_chunks_x16(const uint32_t key[8], const uint32_t* messages, size_t stride, size_t len, uint32_t* out) {
  u32x16 cv[8];
  for (int i = 0; i < 8; i++) cv[i] = splat(key[i]);
  const size_t blocks = (len + BLOCK_WORDS - 1) / BLOCK_WORDS;
  for (size_t b = 0; b < blocks; b++) {
    const size_t start = b * BLOCK_WORDS, n = std::min(BLOCK_WORDS, len - start);
    u32x16 block[16];
    for (size_t w = 0; w < 16; w++) {
      u32x16 v = splat(0);
      if (w < n) {
        for (size_t l = 0; l < LANES; l++) v[l] = messages[l * stride + start + w];
      }
      block[w] = v;
    }
    const uint32_t f = KEYED_HASH | (b == 0 ? CHUNK_START : 0) | (b + 1 == blocks ? CHUNK_END | ROOT : 0);
    compress_x16(cv, block, static_cast<uint32_t>(n * 4), f);
  }
  for (size_t l = 0; l < LANES; l++) {
    for (int i = 0; i < 8; i++) out[l * 8 + i] = cv[i][l];
  }
}

}  // namespace

void merkle_nodes(const uint32_t node_key[8], const uint32_t* below, size_t n, uint32_t* out) {
  size_t j = 0;
  for (; j + LANES <= n; j += LANES) hash_chunks_x16(node_key, below + 2 * j * 8, 16, 16, out + j * 8);
  for (; j < n; j++) blake3_keyed_64(node_key, below + 2 * j * 8, out + j * 8);
}

void blake3_keyed_words(const uint32_t key[8], const uint32_t* words, size_t len, uint32_t out[8]) {
  uint64_t chunks = len == 0 ? 1 : (len + CHUNK_WORDS - 1) / CHUNK_WORDS;
  subtree_cv(key, KEYED_HASH, words, len, 0, chunks, true, out);
}

void blake3_keyed_64(const uint32_t key[8], const uint32_t* block, uint32_t out[8]) {
  compress(key, block, 0, 64, CHUNK_START | CHUNK_END | ROOT | KEYED_HASH, out);
}

void merkle_leaves(const uint32_t leaf_key[8], const uint32_t* const* matrices, const size_t* widths, size_t count,
                   const uint32_t* salts, size_t salt_width, size_t height, uint32_t* leaves) {
  size_t row_len = salt_width;
  for (size_t k = 0; k < count; k++) row_len += widths[k];
  // Rows of one chunk hash 16 at a time; longer rows, and the rows left over, one at a time.
  auto work = [&](size_t begin, size_t end) {
    std::vector<uint32_t> message(row_len);
    if (row_len <= CHUNK_WORDS) {
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
