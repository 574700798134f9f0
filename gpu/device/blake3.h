// BLAKE3 (https://github.com/BLAKE3-team/BLAKE3-specs) for the Merkle trees of runtime/proof/merkle (hasher
// 'blake3-keyed-v1': leaves hashed with one key, nodes with another): the compression function and the keyed hash
// of word-aligned messages, shared by the native kernels (gpu/native/blake3.cc) and the CUDA ones (gpu/cuda).
// Written from the specification; the TypeScript reference (runtime/proof/hash/blake3.ts) is the oracle in tests.
//
// The rounds are a template on the word type: one message (uint32_t) or, on the CPU, sixteen side by side in a
// vector of words (gpu/native/blake3.cc): the same code on words or on vectors of words.
#pragma once
#include <cstddef>
#include "common.h"

#ifdef __CUDACC__
#define ZPOL_HD_CALL __host__ __device__ inline  // not forced inline: recursive
#else
#define ZPOL_HD_CALL inline
#endif

namespace zpol {

constexpr uint32_t B3_CHUNK_START = 1, B3_CHUNK_END = 2, B3_PARENT = 4, B3_ROOT = 8, B3_KEYED_HASH = 16;
constexpr size_t B3_BLOCK_WORDS = 16, B3_CHUNK_WORDS = 256;  // 64-byte blocks, 1024-byte chunks
constexpr uint32_t B3_IV0 = 0x6A09E667u, B3_IV1 = 0xBB67AE85u, B3_IV2 = 0x3C6EF372u, B3_IV3 = 0xA54FF53Au;

template <typename V>
ZPOL_HD V b3_rotr(V x, int n) { return (x >> n) | (x << (32 - n)); }

template <typename V>
ZPOL_HD void b3_g(V* s, int a, int b, int c, int d, V x, V y) {
  s[a] = s[a] + s[b] + x;
  s[d] = b3_rotr(s[d] ^ s[a], 16);
  s[c] = s[c] + s[d];
  s[b] = b3_rotr(s[b] ^ s[c], 12);
  s[a] = s[a] + s[b] + y;
  s[d] = b3_rotr(s[d] ^ s[a], 8);
  s[c] = s[c] + s[d];
  s[b] = b3_rotr(s[b] ^ s[c], 7);
}

/** The state s after the seven rounds over the message words m (m is permuted in place). */
template <typename V>
ZPOL_HD void b3_rounds(V s[16], V m[16]) {
  for (int round = 0; round < 7; round++) {
    b3_g(s, 0, 4, 8, 12, m[0], m[1]);
    b3_g(s, 1, 5, 9, 13, m[2], m[3]);
    b3_g(s, 2, 6, 10, 14, m[4], m[5]);
    b3_g(s, 3, 7, 11, 15, m[6], m[7]);
    b3_g(s, 0, 5, 10, 15, m[8], m[9]);
    b3_g(s, 1, 6, 11, 12, m[10], m[11]);
    b3_g(s, 2, 7, 8, 13, m[12], m[13]);
    b3_g(s, 3, 4, 9, 14, m[14], m[15]);
    if (round < 6) {  // the message permutation 2 6 3 10 7 0 4 13 1 11 12 5 9 14 15 8
      const V t[16] = {m[2], m[6], m[3], m[10], m[7], m[0], m[4], m[13], m[1], m[11], m[12], m[5], m[9], m[14], m[15], m[8]};
      for (int i = 0; i < 16; i++) m[i] = t[i];
    }
  }
}

/** The compression function: the first 8 words of its output into out (which may alias cv). */
ZPOL_HD void b3_compress(const uint32_t cv[8], const uint32_t block[16], uint64_t counter, uint32_t block_len, uint32_t flags, uint32_t out[8]) {
  uint32_t s[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7], B3_IV0, B3_IV1, B3_IV2, B3_IV3,
                    static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), block_len, flags};
  uint32_t m[16];
  for (int i = 0; i < 16; i++) m[i] = block[i];
  b3_rounds(s, m);
  for (int i = 0; i < 8; i++) out[i] = s[i] ^ s[i + 8];
}

/** The chaining value of chunk `index` (words[0..len), len <= 256), with ROOT when it is the whole input. */
ZPOL_HD void b3_chunk_cv(const uint32_t key[8], uint32_t flags, const uint32_t* words, size_t len, uint64_t index, bool root, uint32_t out[8]) {
  uint32_t cv[8];
  for (int i = 0; i < 8; i++) cv[i] = key[i];
  const size_t blocks = len == 0 ? 1 : (len + B3_BLOCK_WORDS - 1) / B3_BLOCK_WORDS;
  for (size_t b = 0; b < blocks; b++) {
    uint32_t block[16];
    const size_t start = b * B3_BLOCK_WORDS;
    const size_t n = len > start ? (len - start < B3_BLOCK_WORDS ? len - start : B3_BLOCK_WORDS) : 0;
    for (size_t w = 0; w < 16; w++) block[w] = w < n ? words[start + w] : 0;
    const uint32_t f = flags | (b == 0 ? B3_CHUNK_START : 0) | (b + 1 == blocks ? B3_CHUNK_END : 0) | (root && b + 1 == blocks ? B3_ROOT : 0);
    b3_compress(cv, block, index, static_cast<uint32_t>(n * 4), f, cv);
  }
  for (int i = 0; i < 8; i++) out[i] = cv[i];
}

/** The chaining value of chunks [first, first + count) of words[0..len). */
ZPOL_HD_CALL void b3_subtree_cv(const uint32_t key[8], uint32_t flags, const uint32_t* words, size_t len, uint64_t first, uint64_t count, bool root, uint32_t out[8]) {
  if (count == 1) {
    const size_t start = first * B3_CHUNK_WORDS;
    b3_chunk_cv(key, flags, words + start, len - start < B3_CHUNK_WORDS ? len - start : B3_CHUNK_WORDS, first, root, out);
    return;
  }
  // The left subtree holds the largest power of two of chunks that leaves at least one for the right.
  uint64_t left = 1;
  while (left * 2 < count) left *= 2;
  uint32_t block[16];
  b3_subtree_cv(key, flags, words, len, first, left, false, block);
  b3_subtree_cv(key, flags, words, len, first + left, count - left, false, block + 8);
  b3_compress(key, block, 0, 64, flags | B3_PARENT | (root ? B3_ROOT : 0), out);
}

/** Keyed BLAKE3 of the little-endian bytes of words[0..len): 8 words into out. */
ZPOL_HD_CALL void blake3_keyed_words(const uint32_t key[8], const uint32_t* words, size_t len, uint32_t out[8]) {
  const uint64_t chunks = len == 0 ? 1 : (len + B3_CHUNK_WORDS - 1) / B3_CHUNK_WORDS;
  b3_subtree_cv(key, B3_KEYED_HASH, words, len, 0, chunks, true, out);
}

/** Keyed BLAKE3 of exactly 16 words (one block): a Merkle node of two 8-word children. */
ZPOL_HD void blake3_keyed_64(const uint32_t key[8], const uint32_t* block, uint32_t out[8]) {
  b3_compress(key, block, 0, 64, B3_CHUNK_START | B3_CHUNK_END | B3_ROOT | B3_KEYED_HASH, out);
}

}  // namespace zpol
