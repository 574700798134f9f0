#include "poseidon2-tree.h"

#include <vector>

#include "../device/poseidon2.h"
#include "parallel.h"

namespace zpol {
namespace {

bool canonical(const uint32_t* v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (v[i] >= P) return false;
  return true;
}

}  // namespace

bool all_canonical(const uint32_t* const* matrices, const size_t* widths, size_t count, const uint32_t* salts, size_t salt_width, size_t height) {
  if (salts != nullptr && !canonical(salts, height * salt_width)) return false;
  for (size_t k = 0; k < count; k++)
    if (!canonical(matrices[k], height * widths[k])) return false;
  return true;
}

bool poseidon2_merkle_leaves(const uint32_t* const* matrices, const size_t* widths, size_t count, const uint32_t* salts,
                             size_t salt_width, size_t height, uint32_t* leaves) {
  // The TypeScript hasher refuses a non-canonical element (a RangeError); so does this one, before hashing.
  if (!all_canonical(matrices, widths, count, salts, salt_width, height)) return false;
  size_t row_len = salt_width;
  for (size_t k = 0; k < count; k++) row_len += widths[k];
  parallel_for(height, height * row_len, size_t{1} << 12, [&](size_t begin, size_t end) {
    std::vector<uint32_t> message(row_len);
    for (size_t i = begin; i < end; i++) {
      leaf_message(matrices, widths, count, salts, salt_width, i, message.data());
      p2_hash(message.data(), static_cast<uint32_t>(row_len), leaves + i * P2_DIGEST);
    }
  });
  return true;
}

void poseidon2_merkle_nodes(const uint32_t* below, size_t n, uint32_t* out) {
  parallel_for(n, n * 16, size_t{1} << 12, [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; j++) p2_compress(below + 2 * j * P2_DIGEST, out + j * P2_DIGEST);
  });
}

}  // namespace zpol
