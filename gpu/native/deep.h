// The FRI PCS prover's DEEP quotient in native code (runtime/proof/pcs/deep-quotient.ts is the reference): the
// combination of a matrix's columns with extension coefficients, and the reduced quotient
// Q(x) = Σ_g (Σ_terms C(x) − claimed_g) / (x − z_g) over the LDE domain, bit-reversed. Field arithmetic is exact, so
// the result is the reference's elements whatever the order of operations.
#pragma once
#include <cstddef>
#include <cstdint>

namespace zpol {

// out[i·stride + offset + c] = (Σ_k coeffs[k] · values[i·width + col_k])_c for rows i < height, col_k = cols[k] (or
// k when cols is null), k < count; coeffs packed extension elements (4 words each), all canonical.
void combine_columns(const uint32_t* values, size_t height, size_t width, const int32_t* cols, size_t count, const uint32_t* coeffs,
                     uint32_t* out, size_t stride, size_t offset);

// out[4t + c] = (Σ_i weights[i] · values[i·width + col_t])_c for t < count (col_t = cols[t], or t when cols is
// null), weights packed extension elements (4 words a row): the barycentric sums of deep-quotient.ts
// weightedColumnSums.
void weighted_column_sums(const uint32_t* values, size_t height, size_t width, const int32_t* cols, size_t count, const uint32_t* weights,
                          uint32_t* out);

// One term of the quotient: a committed LDE (width columns, combined row by row with coeffs), or 4 columns of the
// lifted combinations (lifted >= 0, lde null); group: the index of its point.
struct DeepTerm {
  const uint32_t* lde;
  size_t width;
  const uint32_t* coeffs;
  long lifted;
  size_t group;
};

// Q over shift·H_N (N = 2^logDomain) in bit-reversed order, 4 words a point, into out. dens: per group 16 words,
// m_z's low coefficients m0..m3 then N_z's n0, n1, n2 packed (deep-quotient.ts denominatorPolys): 1/(x − z) =
// N_z(x)/m_z(x). claimed: 4 words a group.
void reduced_quotient(int logDomain, uint32_t shift, const DeepTerm* terms, size_t term_count, const uint32_t* lifted, size_t lifted_width,
                      const uint32_t* dens, size_t groups, const uint32_t* claimed, uint32_t* out);

}  // namespace zpol
