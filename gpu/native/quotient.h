// The constraint combination of runtime/proof/stark/prover.ts `quotient` on the CPU, with the shared interpreter
// of gpu/device/quotient.h (its QuotientInputs).
#pragma once
#include "../device/quotient.h"

namespace zpol {

// Writes acc (4 * height words). Returns false (and writes nothing useful) on malformed bytecode.
bool evaluate_quotient(const QuotientInputs& in, uint32_t* acc);

}  // namespace zpol
