// The constraint quotient on the CPU: the shared interpreter (gpu/device/quotient.h) over batches of 32 rows
// (issue #18), the rows split across threads.
#include "quotient.h"

#include <vector>

#include "parallel.h"

namespace zpol {

namespace {
constexpr size_t BATCH = 32;
}  // namespace

bool evaluate_quotient(const QuotientInputs& in, uint32_t* acc) {
  if (!quotient_valid(in)) return false;
  std::vector<size_t> off(in.nodes);
  const size_t total = quotient_offsets(in, BATCH, off.data());
  parallel_for(in.height, in.height * in.nodes, size_t{1} << 14, [&](size_t begin, size_t end) {
    std::vector<uint32_t> reg(total), scratch(8 * BATCH);
    for (size_t i0 = begin; i0 < end; i0 += BATCH) {
      quotient_batch<BATCH>(in, i0, std::min(BATCH, end - i0), off.data(), reg.data(), scratch.data(), acc);
    }
  });
  return true;
}

}  // namespace zpol
