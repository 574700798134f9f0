// The constraint combination of runtime/proof/stark/prover.ts `quotient` on the CPU, with the shared interpreter
// of gpu/device/quotient.h (its QuotientInputs).
#pragma once
#include "../device/quotient.h"

namespace zpol {

// Writes acc (4 * height words). Returns false (and writes nothing useful) on malformed bytecode.
bool evaluate_quotient(const QuotientInputs& in, uint32_t* acc);
// The roots' values on every row, root-major (root j's at out[j * height + row]), with the same interpreter: the
// prover's LogUp interactions on the trace domain (stark/prover.ts buildAux). Every root must be a base-field node
// (the combination inputs gamma_powers and z_inv are not read). Returns false on malformed bytecode or an
// extension root.
bool evaluate_roots(const QuotientInputs& in, uint32_t* out);

}  // namespace zpol
