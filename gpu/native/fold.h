// FRI folding in native code (runtime/proof/fri/fold.ts foldCodeword is the reference): a bit-reversed packed
// extension codeword over shift·H_N folded by 2^logArity with challenge β (binary folds with β, β², β⁴, …).
#pragma once
#include <cstddef>
#include <cstdint>

namespace zpol {

// cw: 4·2^logSize words; out: 4·2^(logSize − logArity) words; beta: 4 words. All canonical.
void fri_fold(const uint32_t* cw, int logSize, uint32_t shift, const uint32_t* beta, int logArity, uint32_t* out);

}  // namespace zpol
