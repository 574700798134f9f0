// Iterative decimation-in-time NTT on rows: bit-reverse the rows, then for h = 1, 2, ..., n/2 combine rows at
// distance h with the twiddle w_{2h}^j. A butterfly acts on whole rows, so the inner loop runs over the columns
// and the compiler vectorizes it. The results are the mathematically defined transforms, hence the same bits as
// the TypeScript reference whatever the order of operations.
#include "ntt.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "babybear.h"

namespace zpol {
namespace {

int log2_exact(size_t n) {
  int k = 0;
  while ((size_t{1} << k) < n) k++;
  return k;
}

size_t reverse_bits(size_t i, int bits) {
  size_t r = 0;
  for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
  return r;
}

void bit_reverse_rows(uint32_t* v, size_t n, size_t width) {
  int bits = log2_exact(n);
  std::vector<uint32_t> tmp(width);
  for (size_t i = 0; i < n; i++) {
    size_t j = reverse_bits(i, bits);
    if (j > i) {
      std::memcpy(tmp.data(), v + i * width, width * 4);
      std::memcpy(v + i * width, v + j * width, width * 4);
      std::memcpy(v + j * width, tmp.data(), width * 4);
    }
  }
}

// Runs fn(begin, end) over [0, count) on up to hardware_concurrency() threads (one when the work is small).
template <typename Fn>
void parallel_for(size_t count, size_t work, Fn fn) {
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 16);
  if (work < (size_t{1} << 16) || count < 2) threads = 1;
  threads = std::min(threads, count);
  if (threads <= 1) {
    fn(size_t{0}, count);
    return;
  }
  std::vector<std::thread> pool;
  size_t chunk = (count + threads - 1) / threads;
  for (size_t t = 1; t < threads; t++) {
    size_t b = t * chunk, e = std::min(count, b + chunk);
    if (b < e) pool.emplace_back(fn, b, e);
  }
  fn(size_t{0}, std::min(count, chunk));
  for (auto& th : pool) th.join();
}

// The DIT stages with half-size h from `first_half` up to n/2 (first_half = 1: the whole transform). Each
// stage's n/2 butterflies are independent: pair p is (block p / h, offset p mod h).
void dit_stages(uint32_t* v, size_t n, size_t width, size_t first_half) {
  std::vector<uint32_t> tw;
  for (size_t h = first_half; h < n; h <<= 1) {
    int s = log2_exact(h) + 1;
    uint32_t w = root_of_unity(s);
    tw.assign(h, 0);
    uint32_t acc = 1;
    for (size_t j = 0; j < h; j++) {
      tw[j] = to_mont(acc);
      acc = mul(acc, w);
    }
    parallel_for(n / 2, n * width, [&](size_t begin, size_t end) {
      for (size_t p = begin; p < end; p++) {
        const size_t j = p % h;
        const size_t row = (p / h) * 2 * h + j;
        const uint32_t t = tw[j];
        uint32_t* x = v + row * width;
        uint32_t* y = v + (row + h) * width;
        for (size_t c = 0; c < width; c++) {
          uint32_t ty = mul_mont(y[c], t);
          uint32_t u = x[c];
          x[c] = add(u, ty);
          y[c] = sub(u, ty);
        }
      }
    });
  }
}

void scale_rows_geometric(uint32_t* v, size_t n, size_t width, uint32_t first, uint32_t ratio) {
  uint32_t s = first;
  for (size_t i = 0; i < n; i++) {
    uint32_t* row = v + i * width;
    const uint32_t sm = to_mont(s);
    for (size_t c = 0; c < width; c++) row[c] = mul_mont(row[c], sm);
    s = mul(s, ratio);
  }
}

// DFT with w^-1 is DFT with w followed by reversing entries 1..n-1.
void reverse_tail_rows(uint32_t* v, size_t n, size_t width) {
  for (size_t i = 1, j = n - 1; i < j; i++, j--) {
    for (size_t c = 0; c < width; c++) std::swap(v[i * width + c], v[j * width + c]);
  }
}

}  // namespace

void ntt_columns(uint32_t* values, size_t n, size_t width) {
  if (n <= 1) return;
  bit_reverse_rows(values, n, width);
  dit_stages(values, n, width, 1);
}

void intt_columns(uint32_t* values, size_t n, size_t width) {
  if (n <= 1) return;
  ntt_columns(values, n, width);
  reverse_tail_rows(values, n, width);
  const uint32_t n_inv = to_mont(inv(static_cast<uint32_t>(n % P)));
  for (size_t i = 0; i < n * width; i++) values[i] = mul_mont(values[i], n_inv);
}

void coset_ntt_columns(uint32_t* values, size_t n, size_t width, uint32_t shift) {
  scale_rows_geometric(values, n, width, 1, shift);
  ntt_columns(values, n, width);
}

void coset_intt_columns(uint32_t* values, size_t n, size_t width, uint32_t shift) {
  intt_columns(values, n, width);
  scale_rows_geometric(values, n, width, 1, inv(shift));
}

void coset_lde_columns(const uint32_t* values, size_t n, size_t width, int logBlowup, uint32_t shift, uint32_t* out) {
  const size_t blowup = size_t{1} << logBlowup;
  const int logN = log2_exact(n);
  // Coefficients of C(shift x): the unscaled inverse transform, then c_i * n^-1 * shift^i.
  std::vector<uint32_t> coeffs(values, values + n * width);
  if (n > 1) {
    bit_reverse_rows(coeffs.data(), n, width);
    dit_stages(coeffs.data(), n, width, 1);
    reverse_tail_rows(coeffs.data(), n, width);
  }
  scale_rows_geometric(coeffs.data(), n, width, inv(static_cast<uint32_t>(n % P)), shift);
  // Row i goes to rev_N(i) = rev_n(i) * blowup; the first logBlowup stages only copy it across its block.
  for (size_t i = 0; i < n; i++) {
    size_t base = reverse_bits(i, logN) * blowup;
    for (size_t b = 0; b < blowup; b++) std::memcpy(out + (base + b) * width, coeffs.data() + i * width, width * 4);
  }
  dit_stages(out, n * blowup, width, blowup);
}

}  // namespace zpol
