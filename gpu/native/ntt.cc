// Iterative decimation-in-time NTTs on the columns of a row-major matrix: bit-reverse, then for h = 1, 2, ..., n/2
// combine entries at distance h with the twiddle w_{2h}^j. Two layouts of the same arithmetic (issue #18):
//   - narrow matrices (fewer than NARROW columns): one column at a time, copied into a contiguous buffer (bit
//     reversal folded into the copy), so a stage's butterflies run over consecutive entries with consecutive
//     twiddles and the compiler vectorises them;
//   - wide matrices: butterflies on whole rows, the inner loop over a slice of the columns.
// Twiddles are precomputed once per size, in Montgomery form, every stage's contiguous (stage h at [h, 2h)); the
// loops index blocks and offsets directly (no division per butterfly); threads split the columns, so each
// transform starts its threads once, not once per stage. Every operation returns the canonical value, so the
// results are the same bits as the TypeScript reference whatever the order of operations.
#include "ntt.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "../device/butterfly.h"
#include "parallel.h"
#include "simd.h"

namespace zpol {
namespace {

// Below this many columns, one column at a time: rows of fewer columns than a vector run partly empty lanes, and
// the column path measured faster for them (2^17 rows into 2^20: 12 columns 160 against 200 CPU-ms by rows, 4
// columns 35 against 165).
constexpr size_t NARROW = 16;
constexpr size_t NTT_MIN_WORK = size_t{1} << 17;  // elements below which one thread transforms alone

int log2_exact(size_t n) {
  int k = 0;
  while ((size_t{1} << k) < n) k++;
  return k;
}

// A table per transform size, built on first use and kept for the process. Proving threads (Node worker threads,
// runtime/queue/threads.ts) ask for the same size at once: a table is published whole, under a lock, and never moved
// or freed after, so a reader holds either nothing (and builds under the lock) or the finished table. The
// unguarded vector cache this replaces let a second thread read a table being filled, or one freed under it.
template <typename Fill>
const uint32_t* published_table(std::atomic<const uint32_t*>* slots, std::mutex& building, int logN, size_t words, Fill fill) {
  const uint32_t* table = slots[logN].load(std::memory_order_acquire);
  if (table != nullptr) return table;
  std::lock_guard<std::mutex> lock(building);
  table = slots[logN].load(std::memory_order_relaxed);
  if (table == nullptr) {
    uint32_t* fresh = new uint32_t[words];
    fill(fresh);
    slots[logN].store(fresh, std::memory_order_release);
    table = fresh;
  }
  return table;
}

// Twiddles of every stage of a 2^logN transform in Montgomery form: w_{2h}^j at [h + j], j < h. Cached per size.
const uint32_t* stage_twiddles(int logN) {
  static std::atomic<const uint32_t*> slots[TWO_ADICITY + 1];
  static std::mutex building;
  return published_table(slots, building, logN, std::max<size_t>(size_t{1} << logN, 2),
                         [&](uint32_t* tw) { fill_stage_twiddles(tw, logN); });
}

// rev_n(i) for i < 2^logN, cached per size.
const uint32_t* reversal(int logN) {
  static std::atomic<const uint32_t*> slots[TWO_ADICITY + 1];
  static std::mutex building;
  const size_t n = size_t{1} << logN;
  return published_table(slots, building, logN, n, [&](uint32_t* r) {
    for (size_t i = 0; i < n; i++) r[i] = bit_reverse(static_cast<uint32_t>(i), logN);
  });
}

// The stages with half-size first_half .. n/2 on one contiguous column (entries already bit-reversed).
void dit_column(uint32_t* v, size_t n, size_t first_half, const uint32_t* tw) {
  size_t h = first_half;
  if (h == 1 && n >= 2) {
    for (size_t b = 0; b < n; b += 2) {  // w = 1
      const uint32_t u = v[b], t = v[b + 1];
      v[b] = add(u, t);
      v[b + 1] = sub(u, t);
    }
    h = 2;
  }
  if (h < n) simd_dit_column(v, n, h, tw);
}

// The same stages on rows, columns [c0, c1) of a row-major matrix. The stages whose butterflies stay within a block
// of rows that fits in the cache (1-2 MiB of the slice) run block by block, the later ones GROUP at a time over the
// whole matrix (dit_rows_group): fewer passes over memory, the same butterflies.
constexpr int GROUP = 4;
// The rows of a block whose stages run in the cache: 1-2 MiB of a slice of `cols` columns, at most n. A block
// bigger than a core's L2 (1 MiB here; the L3 holds it) still beats a pass over the whole matrix: with blocks of
// 128-256 KiB a 2^17 × 91 LDE to 2^20 rows ran its last 11 stages in three passes (4 + 4 + 3), with 1-2 MiB in two
// (4 + 4): 723 -> 636 CPU-ms (40 columns 395 -> 359, 16 columns 160 -> 134); 2-4 MiB measured no better.
size_t cache_block(size_t n, size_t cols) {
  size_t block = 2;
  while (block < n && block * 2 * cols * 4 <= (size_t{1} << 21)) block <<= 1;
  return std::min(block, n);
}

void dit_rows(uint32_t* v, size_t n, size_t width, size_t c0, size_t c1, size_t first_half, const uint32_t* tw) {
  if (n < 2) return;
  const size_t block = cache_block(n, c1 - c0);
  if (first_half < block) {
    for (size_t r = 0; r < n; r += block) simd_dit_rows_range(v, width, r, r + block, c0, c1, first_half, block, tw);
  }
  size_t h = std::max(first_half, block);
  while (h < n) {
    int k = 0;
    while (k < GROUP && (h << k) < n) k++;
    simd_dit_rows_group(v, n, width, c0, c1, h, k, tw);
    h <<= k;
  }
}

// Column slices of a wide matrix for the threads: as many as threads would use, each a multiple of 16 columns.
size_t slice_width(size_t width) {
  const size_t threads = kernel_threads();
  size_t s = (width + threads - 1) / threads;
  s = (s + 15) / 16 * 16;
  return std::max<size_t>(s, NARROW);
}

// Row swaps one pair at a time: two cache misses (and for big matrices two TLB misses) a pair.
void bit_reverse_rows_pairwise(uint32_t* v, size_t n, size_t width) {
  const uint32_t* rev = reversal(log2_exact(n));
  std::vector<uint32_t> tmp(width);
  for (size_t i = 0; i < n; i++) {
    size_t j = rev[i];
    if (j > i) {
      std::memcpy(tmp.data(), v + i * width, width * 4);
      std::memcpy(v + i * width, v + j * width, width * 4);
      std::memcpy(v + j * width, tmp.data(), width * 4);
    }
  }
}

// Tiles of the blocked reversal: row indices (a, m, b), a and b of TILE_BITS bits, m of the L − 2·TILE_BITS bits
// between; rev(a, m, b) = (rev b, rev m, rev a). Tile m (the 2^(2·TILE_BITS) rows of one m: 2^TILE_BITS runs of
// 2^TILE_BITS consecutive rows) and tile rev m trade rows, so both are copied out into a buffer that stays in the
// cache, then written back in runs of consecutive rows: every row read and written once, in runs, where the
// pairwise swap misses the cache twice a pair (2^20 digests of 8 words: 30-50 against about 10 CPU-ms here).
constexpr int TILE_BITS = 5;

void bit_reverse_rows(uint32_t* v, size_t n, size_t width) {
  const int L = log2_exact(n);
  // Small matrices fit in the cache anyway; very wide rows are runs long enough on their own.
  if (L < 2 * TILE_BITS + 2 || width > 64) {
    bit_reverse_rows_pairwise(v, n, width);
    return;
  }
  constexpr size_t T = size_t{1} << TILE_BITS;
  const int M = L - 2 * TILE_BITS;
  const size_t run = T * width;  // words of one run of T rows
  const size_t stride_a = size_t{1} << (M + TILE_BITS);  // rows between runs of one tile
  const uint32_t* rev_t = reversal(TILE_BITS);
  std::vector<uint32_t> tile_m(T * run), tile_r(T * run);
  const auto gather = [&](size_t m, uint32_t* buf) {
    for (size_t a = 0; a < T; a++) std::memcpy(buf + a * run, v + (a * stride_a + (m << TILE_BITS)) * width, run * 4);
  };
  // Rows of tile `to` from the buffer of the tile mapping onto it: row (a2, to, b2) is source row (rev b2, from, rev a2).
  const auto scatter = [&](size_t to, const uint32_t* buf) {
    for (size_t a2 = 0; a2 < T; a2++) {
      uint32_t* dst = v + (a2 * stride_a + (to << TILE_BITS)) * width;
      const uint32_t* src = buf + size_t{rev_t[a2]} * width;  // b = rev a2; a = rev b2 below
      for (size_t b2 = 0; b2 < T; b2++) std::memcpy(dst + b2 * width, src + size_t{rev_t[b2]} * run, width * 4);
    }
  };
  const size_t tiles = size_t{1} << M;
  const uint32_t* rev_m = reversal(M);
  for (size_t m = 0; m < tiles; m++) {
    const size_t r = M == 0 ? 0 : rev_m[m];
    if (r < m) continue;
    gather(m, tile_m.data());
    if (r != m) {
      gather(r, tile_r.data());
      scatter(m, tile_r.data());
    }
    scatter(r, tile_m.data());
  }
}

// first · ratio^i for i < n, in Montgomery form.
std::vector<uint32_t> geometric_mont(size_t n, uint32_t first, uint32_t ratio) {
  std::vector<uint32_t> out(n);
  fill_geometric_mont(out.data(), n, first, ratio);
  return out;
}

void scale_rows(uint32_t* v, size_t n, size_t width, const uint32_t* factors) {
  for (size_t i = 0; i < n; i++) {
    simd_scale(v + i * width, factors[i], width);
  }
}

// DFT with w^-1 is DFT with w followed by reversing entries 1..n-1.
void reverse_tail_rows(uint32_t* v, size_t n, size_t width) {
  for (size_t i = 1, j = n - 1; i < j; i++, j--) {
    for (size_t c = 0; c < width; c++) std::swap(v[i * width + c], v[j * width + c]);
  }
}

enum class Kind { Forward, Inverse };

// A forward or inverse transform, optionally with per-row factors: before a forward one (a coset NTT), after an
// inverse one (its n^-1 folded in by the caller). `pre`/`post` are Montgomery factors per row, or null.
void transform(uint32_t* v, size_t n, size_t width, Kind kind, const uint32_t* pre, const uint32_t* post) {
  if (n <= 1) {
    if (n == 1) {
      for (size_t c = 0; c < width; c++) {
        if (pre) v[c] = mul_mont(v[c], pre[0]);
        if (post) v[c] = mul_mont(v[c], post[0]);
      }
    }
    return;
  }
  const int logN = log2_exact(n);
  const uint32_t* tw = stage_twiddles(logN);
  const uint32_t* rev = reversal(logN);
  if (width < NARROW) {
    parallel_for(width, n * width, NTT_MIN_WORK, [&](size_t begin, size_t end) {
      std::vector<uint32_t> buf(n);
      for (size_t c = begin; c < end; c++) {
        for (size_t i = 0; i < n; i++) {
          const uint32_t x = v[i * width + c];
          buf[rev[i]] = pre ? mul_mont(x, pre[i]) : x;
        }
        dit_column(buf.data(), n, 1, tw);
        if (kind == Kind::Forward) {
          for (size_t i = 0; i < n; i++) v[i * width + c] = buf[i];
        } else {
          for (size_t i = 0; i < n; i++) {
            const uint32_t x = buf[inverse_source(i, n)];
            v[i * width + c] = post ? mul_mont(x, post[i]) : x;
          }
        }
      }
    });
    return;
  }
  if (pre) scale_rows(v, n, width, pre);
  bit_reverse_rows(v, n, width);
  const size_t sw = slice_width(width);
  parallel_for((width + sw - 1) / sw, n * width, NTT_MIN_WORK, [&](size_t begin, size_t end) {
    dit_rows(v, n, width, begin * sw, std::min(width, end * sw), 1, tw);
  });
  if (kind == Kind::Inverse) {
    reverse_tail_rows(v, n, width);
    if (post) scale_rows(v, n, width, post);
  }
}

}  // namespace

void bit_reverse_matrix_rows(uint32_t* values, size_t n, size_t width) {
  if (n > 1) bit_reverse_rows(values, n, width);
}

void ntt_columns(uint32_t* values, size_t n, size_t width) { transform(values, n, width, Kind::Forward, nullptr, nullptr); }

void intt_columns(uint32_t* values, size_t n, size_t width) {
  if (n <= 1) return;
  const std::vector<uint32_t> post(n, to_mont(inv(static_cast<uint32_t>(n % P))));
  transform(values, n, width, Kind::Inverse, nullptr, post.data());
}

void coset_ntt_columns(uint32_t* values, size_t n, size_t width, uint32_t shift) {
  const std::vector<uint32_t> pre = geometric_mont(n, 1, shift);
  transform(values, n, width, Kind::Forward, pre.data(), nullptr);
}

void coset_intt_columns(uint32_t* values, size_t n, size_t width, uint32_t shift) {
  if (n == 0) return;
  // c_i = n^-1 · shift^-i · (unscaled inverse)_i
  const std::vector<uint32_t> post = geometric_mont(n, inv(static_cast<uint32_t>(n % P)), inv(shift));
  transform(values, n, width, Kind::Inverse, nullptr, post.data());
}

// The randomiser's coefficients where the LDE's DIT starts (see coset_lde_columns): for k < s, coefficient k of
// t + Z_H·r is t_k − r_k (already in lo[0..width) as t_k·shift^k) and coefficient n + k is r_k; both sit in the
// block of 2^logBlowup entries at rev_n(k)·blowup (offsets 0 and blowup/2), whose first logBlowup stages run here.
struct Randomizer {
  const uint32_t* r;  // s rows of `width` coefficients, constant first
  size_t s;
  std::vector<uint32_t> lo, hi;  // shift^k and shift^(n+k), Montgomery form
};

// Entry c of block k's first row and of its row blowup/2 (before its stages), from the scaled t coefficient.
inline void randomizer_pair(const Randomizer& z, size_t k, size_t width, size_t c, uint32_t t_scaled, uint32_t* lo, uint32_t* hi) {
  const uint32_t r = z.r[k * width + c];
  *lo = sub(t_scaled, mul_mont(r, z.lo[k]));
  *hi = mul_mont(r, z.hi[k]);
}

void coset_lde_columns(const uint32_t* values, size_t n, size_t width, int logBlowup, uint32_t shift, uint32_t* out) {
  coset_lde_randomized_columns(values, n, width, nullptr, 0, logBlowup, shift, out);
}

void coset_lde_randomized_columns(const uint32_t* values, size_t n, size_t width, const uint32_t* randomizer, size_t s, int logBlowup,
                                  uint32_t shift, uint32_t* out) {
  const size_t blowup = size_t{1} << logBlowup;
  const size_t N = n * blowup;
  const int logN = log2_exact(n);
  // Coefficients of C(shift x): the unscaled inverse transform, then c_i · n^-1 · shift^i.
  const std::vector<uint32_t> scale = geometric_mont(n, inv(static_cast<uint32_t>(n % P)), shift);
  const uint32_t* revn = reversal(logN);
  const uint32_t* twn = stage_twiddles(logN);
  const uint32_t* twN = stage_twiddles(log2_exact(N));
  Randomizer z{randomizer, randomizer ? s : 0, {}, {}};
  if (z.s > 0) {
    z.lo = geometric_mont(z.s, 1, shift);
    z.hi = geometric_mont(z.s, pow(shift, n), shift);
  }
  const size_t half = blowup / 2;
  if (width < NARROW) {
    // Up to BATCH columns are extended into their own buffers, then written out together: the output rows are
    // narrower than a cache line, so writing one column at a time passed over all of them once per column
    // (2^17 × 12 into 2^20 rows: 151 -> 121 CPU-ms).
    constexpr size_t BATCH = 8;
    parallel_for(width, N * width, NTT_MIN_WORK, [&](size_t begin, size_t end) {
      std::vector<uint32_t> buf(n);
      // Column c's extension into big (N words, every one written).
      const auto extend = [&](size_t c, uint32_t* big) {
        for (size_t i = 0; i < n; i++) buf[revn[i]] = values[i * width + c];
        dit_column(buf.data(), n, 1, twn);
        // Coefficient i goes to rev_N(i) = rev_n(i)·blowup; the first logBlowup stages only copy it across its block.
        for (size_t i = 0; i < n; i++) {
          const uint32_t coeff = mul_mont(buf[inverse_source(i, n)], scale[i]);
          uint32_t* dst = big + size_t{revn[i]} * blowup;
          for (size_t b = 0; b < blowup; b++) dst[b] = coeff;
        }
        for (size_t k = 0; k < z.s; k++) {
          uint32_t* block = big + size_t{revn[k]} * blowup;
          uint32_t lo, hi;
          randomizer_pair(z, k, width, c, block[0], &lo, &hi);
          std::fill(block, block + blowup, 0u);
          block[0] = lo;
          block[half] = hi;
          dit_column(block, blowup, 1, twN);
        }
        dit_column(big, N, blowup, twN);
      };
      // At most 64 MiB of buffers a thread (one column where a column is bigger); none below 8 MiB of output, where
      // the fresh buffers' page faults cost more than the passes save (2^12 × 12 into 2^17 rows: 7.8 -> 9.5 CPU-ms).
      const size_t batch = N * width < (size_t{2} << 20) ? 1 : std::max<size_t>(1, std::min({BATCH, end - begin, (size_t{64} << 20) / (N * 4)}));
      std::unique_ptr<uint32_t[]> bigs(new uint32_t[batch * N]);  // every word written by extend before it is read
      for (size_t c0 = begin; c0 < end; c0 += batch) {
        const size_t cb = std::min(batch, end - c0);
        for (size_t j = 0; j < cb; j++) extend(c0 + j, bigs.get() + j * N);
        for (size_t k = 0; k < N; k++) {
          for (size_t j = 0; j < cb; j++) out[k * width + c0 + j] = bigs[j * N + k];
        }
      }
    });
    return;
  }
  // Wide matrices: the columns are independent through the whole extension, so each thread runs every step on its
  // slice of columns, with no barrier between them, and the memory passes are fused: the copy into `coeffs` puts the
  // rows in bit-reversed order (no swap pass), and the spreading step reads the inverse transform's rows in reversed
  // order (DFT with w^-1), scales them and runs the first stages of the big transform on each cache-sized block as
  // soon as it is written (no separate reversal, scaling and first pass over the n·2^logBlowup rows). Out rows
  // j·blowup + b (b < blowup) would all hold coefficient rev_n(j), so the first logBlowup stages are copies; the
  // stage after them (half-size blowup) meets the blocks of j and j + 1 (j even) and is written straight from the
  // two coefficient rows (simd_lde_spread_pair), never the copies. Pairs with a randomised coefficient take the
  // long way: their blocks filled, their own stages, then that stage.
  std::unique_ptr<uint32_t[]> coeffs(new uint32_t[n * width]);  // every word written before it is read
  prefault(coeffs.get(), n * width * 4);
  const size_t sw = slice_width(width);
  parallel_for((width + sw - 1) / sw, N * width, NTT_MIN_WORK, [&](size_t begin, size_t end) {
    const size_t c0 = begin * sw, c1 = std::min(width, end * sw), len = (c1 - c0) * 4;
    for (size_t i = 0; i < n; i++) std::memcpy(coeffs.get() + size_t{revn[i]} * width + c0, values + i * width + c0, len);
    if (n > 1) dit_rows(coeffs.get(), n, width, c0, c1, 1, twn);
    // Out row j·blowup + b (b < blowup) starts as coefficient i = rev_n(j) of C(shift x): inverse row
    // inverse_source(i) times n^-1·shift^i; the block of a randomised coefficient (i < s) as randomizer_pair says.
    const auto fill_block = [&](size_t j) {
      const size_t i = revn[j];
      uint32_t* first = out + j * blowup * width;
      std::memcpy(first + c0, coeffs.get() + inverse_source(i, n) * width + c0, len);
      simd_scale(first + c0, scale[i], c1 - c0);
      if (i < z.s) {
        for (size_t b = 1; b < blowup; b++) std::memset(first + b * width + c0, 0, len);
        for (size_t c = c0; c < c1; c++) randomizer_pair(z, i, width, c, first[c], &first[c], &first[half * width + c]);
        simd_dit_rows_range(out, width, j * blowup, (j + 1) * blowup, c0, c1, 1, blowup, twN);
      } else {
        for (size_t b = 1; b < blowup; b++) std::memcpy(first + b * width + c0, first + c0, len);
      }
    };
    const size_t done = n >= 2 ? 2 * blowup : blowup;  // the stages below half-size `done` run in the spreading step
    const size_t block = std::max(done, cache_block(N, c1 - c0));
    for (size_t r = 0; r < N; r += block) {
      if (n < 2) fill_block(0);
      for (size_t j = r / blowup; n >= 2 && j < (r + block) / blowup; j += 2) {
        const size_t i0 = revn[j], i1 = revn[j + 1];
        if (i0 >= z.s && i1 >= z.s) {
          simd_lde_spread_pair(out + j * blowup * width + c0, width, coeffs.get() + inverse_source(i0, n) * width + c0,
                               coeffs.get() + inverse_source(i1, n) * width + c0, scale[i0], scale[i1], twN + blowup, blowup, c1 - c0);
        } else {
          fill_block(j);
          fill_block(j + 1);
          simd_dit_rows_range(out, width, j * blowup, (j + 2) * blowup, c0, c1, blowup, 2 * blowup, twN);
        }
      }
      if (done < block) simd_dit_rows_range(out, width, r, r + block, c0, c1, done, block, twN);
    }
    dit_rows(out, N, width, c0, c1, block, twN);
  });
}

}  // namespace zpol
