// The LogUp auxiliary trace on the CPU (issue #18): runtime/proof/air/logup.ts buildAuxTrace's columns from the
// interactions' evaluated value and multiplicity vectors, the same field elements.
#pragma once
#include <cstddef>
#include <cstdint>

namespace zpol {

struct LogupInputs {
  const uint32_t* vectors;  // vector v's rows at vectors[v * height + row], canonical
  size_t vector_count;
  size_t height;
  // Per interaction: bus, value count n, n value-vector indices, the multiplicity's vector index.
  const int32_t* spec;
  size_t spec_len;
  size_t interactions;
  const int32_t* group_of;  // each interaction's group (aux column), or -1 for none
  size_t groups;
  const uint32_t* challenges;  // beta, then alpha_0, alpha_1, ... (4 words each)
  size_t challenge_count;
};

// Writes height x (groups + 1) extension elements (row-major, 4 words each: each group's sum of
// multiplicity / (beta - fingerprint), then the running sum) into out, and the claimed sum (the last running sum)
// into claimed. Returns 1 when the spec is malformed, 2 when a denominator is zero (a fingerprint equals beta), else 0.
int logup_aux(const LogupInputs& in, uint32_t* out, uint32_t claimed[4]);

}  // namespace zpol
