// Radix-2 NTTs over the columns of a row-major matrix (height n = 2^logN rows, `width` columns), in place, natural
// order in and out, and the coset low-degree extension: the conventions of runtime/proof/field/ntt.ts.
#pragma once
#include <cstddef>
#include <cstdint>

namespace zpol {

// Rows i and rev(i) swapped for every i (height n a power of two): the matrix in bit-reversed row order.
void bit_reverse_matrix_rows(uint32_t* values, size_t n, size_t width);
// Coefficients -> evaluations on H_n.
void ntt_columns(uint32_t* values, size_t n, size_t width);
// Evaluations on H_n -> coefficients.
void intt_columns(uint32_t* values, size_t n, size_t width);
// Coefficients -> evaluations on shift * H_n.
void coset_ntt_columns(uint32_t* values, size_t n, size_t width, uint32_t shift);
// Evaluations on shift * H_n -> coefficients.
void coset_intt_columns(uint32_t* values, size_t n, size_t width, uint32_t shift);
// Evaluations on H_n (n rows) -> evaluations on shift * H_{n * 2^logBlowup}, written to out (n << logBlowup rows).
void coset_lde_columns(const uint32_t* values, size_t n, size_t width, int logBlowup, uint32_t shift, uint32_t* out);
// The same for t + Z_H·r (runtime/proof/backends/index.ts cosetLdeRandomized): t by its evaluations on H_n, r by
// its s <= n coefficients per column (`randomizer`, s rows of `width`, constant first; null or s = 0: none),
// Z_H = X^n − 1; needs n + s <= n·2^logBlowup. One pass: no separate inverse transform, copy and coset transform.
void coset_lde_randomized_columns(const uint32_t* values, size_t n, size_t width, const uint32_t* randomizer, size_t s, int logBlowup,
                                  uint32_t shift, uint32_t* out);

}  // namespace zpol
