// The constraint combination of runtime/proof/stark/prover.ts `quotient`, natively: for every point x of the
// quotient domain, acc(x) = Z_H(x)^-1 * sum_j gamma^j * C_j(x), with the constraints given as the bytecode of
// air/eval.ts `compileConstraints`. Values in the quartic extension F_p[X]/(X^4 - 11) are 4 words.
#pragma once
#include <cstddef>
#include <cstdint>

namespace zpol {

struct QuotientInputs {
  const int32_t* code;  // 6 words per node: op, ext, a, b, k, next
  size_t nodes;
  const int32_t* roots;
  size_t root_count;
  size_t height;       // N, the quotient domain's size
  size_t next_offset;  // rows between a point and its successor
  const uint32_t* main;
  size_t main_width;
  const uint32_t* pre;  // or null
  size_t pre_width;
  const uint32_t* aux;  // or null; 4 words per element
  size_t aux_width;     // in extension elements
  const uint32_t* first;
  const uint32_t* last;
  const uint32_t* transition;
  const uint32_t* publics;
  size_t public_count;
  const uint32_t* challenges;  // 4 words each
  size_t challenge_count;
  const uint32_t* claimed_sum;  // 4 words
  const uint32_t* gamma_powers;  // 4 words per root
  const uint32_t* z_inv;
  size_t period;
};

// Writes acc (4 * height words). Returns false (and writes nothing useful) on malformed bytecode.
bool evaluate_quotient(const QuotientInputs& in, uint32_t* acc);

}  // namespace zpol
