#include "poseidon2-tree.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "../device/poseidon2.h"

namespace zpol {
namespace {

// fn(begin, end) over [0, count) on up to 16 threads; one thread for small work (`work` elements in all).
template <typename Fn>
void split(size_t count, size_t work, Fn fn) {
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 16);
  if (work < (size_t{1} << 12)) threads = 1;
  threads = std::max<size_t>(1, std::min(threads, count));
  size_t chunk = (count + threads - 1) / threads;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; t++) {
    size_t b = t * chunk, e = std::min(count, b + chunk);
    if (b < e) pool.emplace_back(fn, b, e);
  }
  fn(0, std::min(count, chunk));
  for (auto& th : pool) th.join();
}

bool canonical(const uint32_t* v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (v[i] >= BB_P) return false;
  return true;
}

}  // namespace

bool poseidon2_merkle_leaves(const uint32_t* const* matrices, const size_t* widths, size_t count, const uint32_t* salts,
                             size_t salt_width, size_t height, uint32_t* leaves) {
  // The TypeScript hasher refuses a non-canonical element (a RangeError); so does this one, before hashing.
  if (salts != nullptr && !canonical(salts, height * salt_width)) return false;
  for (size_t k = 0; k < count; k++)
    if (!canonical(matrices[k], height * widths[k])) return false;
  size_t row_len = salt_width;
  for (size_t k = 0; k < count; k++) row_len += widths[k];
  split(height, height * row_len, [&](size_t begin, size_t end) {
    std::vector<uint32_t> message(row_len);
    for (size_t i = begin; i < end; i++) {
      size_t off = 0;
      if (salt_width > 0) {
        std::memcpy(message.data(), salts + i * salt_width, salt_width * 4);
        off = salt_width;
      }
      for (size_t k = 0; k < count; k++) {
        std::memcpy(message.data() + off, matrices[k] + i * widths[k], widths[k] * 4);
        off += widths[k];
      }
      p2_hash(message.data(), static_cast<uint32_t>(row_len), leaves + i * P2_DIGEST);
    }
  });
  return true;
}

void poseidon2_merkle_nodes(const uint32_t* below, size_t n, uint32_t* out) {
  split(n, n * 16, [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; j++) p2_compress(below + 2 * j * P2_DIGEST, out + j * P2_DIGEST);
  });
}

}  // namespace zpol
