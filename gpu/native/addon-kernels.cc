// The Node-API functions of the prover's newer native kernels (addon.cc registers them through
// define_kernel_functions): the fused randomised LDE, the vector level of the field kernels, and the DEEP
// quotient's column combination and reduced quotient (deep.h). Arguments are checked before any kernel runs.
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../device/babybear.h"
#include "blake3.h"
#include "deep.h"
#include "fold.h"
#include "napi-args.h"
#include "ntt.h"
#include "simd.h"
#include "tensor-commit.h"

namespace zpol_napi {
namespace {

// cosetLdeRandomized(values, width, randomizer, logBlowup, shift, out?) -> the LDE of t + Z_H·r (ntt.h
// coset_lde_randomized_columns): randomizer a Uint32Array of s rows of `width` canonical coefficients, s <= n; written
// into `out` when it is given (napi-args.h output_words), else into a fresh array.
napi_value coset_lde_randomized(napi_env env, napi_callback_info info) {
  napi_value argv[6] = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  if (!get_args(env, info, 5, argv, 6)) return nullptr;
  Matrix m, r;
  size_t n, width;
  uint32_t log_blowup, shift;
  if (!get_matrix(env, argv, &m, &n, &width) || !get_u32_array(env, argv[2], &r) || !get_u32(env, argv[3], &log_blowup) ||
      !get_shift(env, argv[4], &shift)) {
    return nullptr;
  }
  size_t logN = 0;
  while ((size_t{1} << logN) < n) logN++;
  if (logN + log_blowup > static_cast<size_t>(zpol::TWO_ADICITY)) {
    napi_throw_range_error(env, nullptr, "the extension is larger than 2^27 rows");
    return nullptr;
  }
  if (r.length % width != 0) {
    napi_throw_range_error(env, nullptr, "the randomiser is not a whole number of rows of the matrix's width");
    return nullptr;
  }
  const size_t s = r.length / width;
  if (s > n || (s > 0 && log_blowup == 0)) {
    napi_throw_range_error(env, nullptr, "the randomiser has more coefficients than the matrix has rows, or the extension has no room for them");
    return nullptr;
  }
  for (size_t i = 0; i < r.length; i++) {
    if (r.data[i] >= zpol::P) {
      napi_throw_range_error(env, nullptr, "a randomiser coefficient is not a canonical BabyBear value");
      return nullptr;
    }
  }
  uint32_t* out = nullptr;
  napi_value result;
  if (!output_words(env, argv[5], (n << log_blowup) * width, &out, &result)) return nullptr;
  zpol::coset_lde_randomized_columns(m.data, n, width, r.data, s, static_cast<int>(log_blowup), shift, out);
  return result;
}

// simdLevel(cap: string | null) -> the vector version the field kernels now use ("avx512", "avx2", "scalar"):
// with a cap, the best one at most that (tests run every version the CPU has); with null, unchanged.
napi_value simd_level(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return nullptr;
  napi_valuetype t;
  if (!check(env, napi_typeof(env, argv[0], &t))) return nullptr;
  const char* name = zpol::simd_level();
  if (t != napi_null) {
    char cap[16] = {0};
    size_t len = 0;
    if (!check(env, napi_get_value_string_utf8(env, argv[0], cap, sizeof cap, &len))) return nullptr;
    name = zpol::simd_select(cap);
  }
  napi_value result;
  if (!check(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result))) return nullptr;
  return result;
}

// The largest of a[0..n): a loop without an early exit, which the compiler vectorises.
uint32_t largest(const uint32_t* a, size_t n) {
  uint32_t top = 0;
  for (size_t i = 0; i < n; i++) top = std::max(top, a[i]);
  return top;
}

// True when every element of a is canonical; else a RangeError naming `what`.
bool canonical(napi_env env, const uint32_t* a, size_t n, const char* what) {
  if (largest(a, n) >= zpol::P) {
    const std::string message = std::string(what) + " holds an element that is not a canonical BabyBear value";
    napi_throw_range_error(env, nullptr, message.c_str());
    return false;
  }
  return true;
}

// isCanonical(values) -> whether every element is a canonical BabyBear value (matrix.ts isCanonical).
napi_value is_canonical(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return nullptr;
  Matrix m;
  if (!get_u32_array(env, argv[0], &m)) return nullptr;
  napi_value result;
  if (!check(env, napi_get_boolean(env, largest(m.data, m.length) < zpol::P, &result))) return nullptr;
  return result;
}

// combineColumns(values, width, columns: Int32Array | null, coeffs, out, stride, offset): writes
// (Σ_k coeffs[k]·row_i[col_k]) at out[i·stride + offset ..+4) for every row i (deep.h combine_columns).
napi_value combine_columns(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return nullptr;
  Matrix m, coeffs, out;
  uint32_t width = 0, stride = 0, offset = 0;
  if (!get_u32_array(env, argv[0], &m) || !get_u32(env, argv[1], &width) || !get_u32_array(env, argv[3], &coeffs) ||
      !get_u32_array(env, argv[4], &out) || !get_u32(env, argv[5], &stride) || !get_u32(env, argv[6], &offset)) {
    return nullptr;
  }
  napi_valuetype t;
  if (!check(env, napi_typeof(env, argv[2], &t))) return nullptr;
  const int32_t* cols = nullptr;
  size_t count = width;
  if (t != napi_null && !get_i32_array(env, argv[2], &cols, &count)) return nullptr;
  if (width == 0 || m.length % width != 0) {
    napi_throw_range_error(env, nullptr, "the array is not a whole number of rows of the given width");
    return nullptr;
  }
  const size_t height = m.length / width;
  for (size_t k = 0; cols && k < count; k++) {
    if (cols[k] < 0 || static_cast<size_t>(cols[k]) >= width) {
      napi_throw_range_error(env, nullptr, "a column index is outside the matrix");
      return nullptr;
    }
  }
  if (coeffs.length != 4 * count || offset + 4 > stride || (height > 0 && out.length < (height - 1) * stride + offset + 4)) {
    napi_throw_range_error(env, nullptr, "combineColumns: the coefficients or the output do not fit the columns and rows");
    return nullptr;
  }
  if (!canonical(env, m.data, m.length, "the matrix") || !canonical(env, coeffs.data, coeffs.length, "the coefficients")) return nullptr;
  zpol::combine_columns(m.data, height, width, cols, count, coeffs.data, out.data, stride, offset);
  return undefined(env);
}

// weightedColumnSums(values, width, columns: Int32Array | null, weights) -> 4 words a column: Σ_i weights[i]·row_i[col]
// (deep.h weighted_column_sums).
napi_value weighted_column_sums(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return nullptr;
  Matrix m, weights;
  uint32_t width = 0;
  if (!get_u32_array(env, argv[0], &m) || !get_u32(env, argv[1], &width) || !get_u32_array(env, argv[3], &weights)) return nullptr;
  napi_valuetype t;
  if (!check(env, napi_typeof(env, argv[2], &t))) return nullptr;
  const int32_t* cols = nullptr;
  size_t count = width;
  if (t != napi_null && !get_i32_array(env, argv[2], &cols, &count)) return nullptr;
  if (width == 0 || m.length % width != 0 || weights.length != 4 * (m.length / width)) {
    napi_throw_range_error(env, nullptr, "weightedColumnSums: the matrix is not whole rows, or the weights are not 4 words a row");
    return nullptr;
  }
  for (size_t k = 0; cols && k < count; k++) {
    if (cols[k] < 0 || static_cast<size_t>(cols[k]) >= width) {
      napi_throw_range_error(env, nullptr, "a column index is outside the matrix");
      return nullptr;
    }
  }
  if (!canonical(env, m.data, m.length, "the matrix") || !canonical(env, weights.data, weights.length, "the weights")) return nullptr;
  napi_value buffer, result;
  void* out = nullptr;
  if (!check(env, create_output(env, 16 * count, &out, &buffer))) return nullptr;
  zpol::weighted_column_sums(m.data, m.length / width, width, cols, count, weights.data, static_cast<uint32_t*>(out));
  if (!check(env, napi_create_typedarray(env, napi_uint32_array, 4 * count, buffer, 0, &result))) return nullptr;
  return result;
}

// reducedQuotient(logDomain, shift, lifted | null, liftedWidth, ldes: Uint32Array[], spec: Int32Array, coeffs:
// Uint32Array[], dens, claimed) -> the quotient (4 words a point, bit-reversed; deep.h reduced_quotient). spec per
// term: [lifted index or −1, lde index or −1, lde width, group]; coeffs[t] the term's packed coefficients.
napi_value reduced_quotient(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  uint32_t log_domain = 0, shift = 0, lifted_width = 0;
  if (!get_u32(env, argv[0], &log_domain) || !get_shift(env, argv[1], &shift) || !get_u32(env, argv[3], &lifted_width)) return nullptr;
  if (log_domain > static_cast<uint32_t>(zpol::TWO_ADICITY)) {
    napi_throw_range_error(env, nullptr, "the domain is larger than 2^27 points");
    return nullptr;
  }
  const size_t N = size_t{1} << log_domain;
  const uint32_t* lifted = nullptr;
  size_t lifted_len = 0;
  Matrix dens, claimed;
  const int32_t* spec = nullptr;
  size_t spec_len = 0;
  if (!get_optional_u32_array(env, argv[2], &lifted, &lifted_len) || !get_i32_array(env, argv[5], &spec, &spec_len) ||
      !get_u32_array(env, argv[7], &dens) || !get_u32_array(env, argv[8], &claimed)) {
    return nullptr;
  }
  const size_t groups = claimed.length / 4;
  if (claimed.length % 4 != 0 || dens.length != 16 * groups || spec_len % 4 != 0) {
    napi_throw_range_error(env, nullptr, "reducedQuotient: the claimed values, denominators or term spec are malformed");
    return nullptr;
  }
  if (lifted && (lifted_width % 4 != 0 || lifted_len != N * lifted_width)) {
    napi_throw_range_error(env, nullptr, "reducedQuotient: the lifted combinations are not the domain's rows");
    return nullptr;
  }
  const size_t term_count = spec_len / 4;
  uint32_t lde_count = 0, coeff_count = 0;
  bool a = false, b = false;
  if (!check(env, napi_is_array(env, argv[4], &a)) || !check(env, napi_is_array(env, argv[6], &b))) return nullptr;
  if (!a || !b || !check(env, napi_get_array_length(env, argv[4], &lde_count)) || !check(env, napi_get_array_length(env, argv[6], &coeff_count)) ||
      coeff_count != term_count) {
    if (!a || !b || coeff_count != term_count) napi_throw_type_error(env, nullptr, "reducedQuotient: expected arrays of LDEs and of one coefficient vector a term");
    return nullptr;
  }
  std::vector<Matrix> ldes(lde_count);
  for (uint32_t k = 0; k < lde_count; k++) {
    napi_value el;
    if (!check(env, napi_get_element(env, argv[4], k, &el)) || !get_u32_array(env, el, &ldes[k])) return nullptr;
    if (!canonical(env, ldes[k].data, ldes[k].length, "an LDE")) return nullptr;
  }
  std::vector<zpol::DeepTerm> terms(term_count);
  for (size_t t = 0; t < term_count; t++) {
    const int32_t li = spec[4 * t], di = spec[4 * t + 1], w = spec[4 * t + 2], g = spec[4 * t + 3];
    napi_value el;
    Matrix c;
    if (!check(env, napi_get_element(env, argv[6], static_cast<uint32_t>(t), &el)) || !get_u32_array(env, el, &c)) return nullptr;
    const bool lde_term = li < 0 && di >= 0 && static_cast<uint32_t>(di) < lde_count && w > 0 && ldes[di].length == N * static_cast<size_t>(w) &&
                          c.length == 4 * static_cast<size_t>(w);
    const bool lifted_term = li >= 0 && lifted && 4 * static_cast<size_t>(li) + 4 <= lifted_width;
    if ((!lde_term && !lifted_term) || g < 0 || static_cast<size_t>(g) >= groups) {
      napi_throw_range_error(env, nullptr, "reducedQuotient: a term names no LDE of the domain's rows, no lifted columns, or no group");
      return nullptr;
    }
    if (!canonical(env, c.data, c.length, "a term's coefficients")) return nullptr;
    terms[t] = zpol::DeepTerm{lde_term ? ldes[di].data : nullptr, lde_term ? static_cast<size_t>(w) : 0, c.data, lde_term ? -1 : li, static_cast<size_t>(g)};
  }
  if ((lifted && !canonical(env, lifted, lifted_len, "the lifted combinations")) || !canonical(env, dens.data, dens.length, "the denominators") ||
      !canonical(env, claimed.data, claimed.length, "the claimed values")) {
    return nullptr;
  }
  napi_value buffer, result;
  void* out = nullptr;
  if (!check(env, create_output(env, 4 * N * 4, &out, &buffer))) return nullptr;
  zpol::reduced_quotient(static_cast<int>(log_domain), shift, terms.data(), term_count, lifted, lifted_width, dens.data, groups, claimed.data,
                         static_cast<uint32_t*>(out));
  if (!check(env, napi_create_typedarray(env, napi_uint32_array, 4 * N, buffer, 0, &result))) return nullptr;
  return result;
}

// bitReverseRows(values, width): in place, row i and row rev(i) swapped (the height a power of two).
napi_value bit_reverse_rows(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return nullptr;
  Matrix m;
  uint32_t width = 0;
  if (!get_u32_array(env, argv[0], &m) || !get_u32(env, argv[1], &width)) return nullptr;
  const size_t n = width == 0 ? 0 : m.length / width;
  if (width == 0 || m.length % width != 0 || n == 0 || (n & (n - 1)) != 0) {
    napi_throw_range_error(env, nullptr, "bitReverseRows: the height is not a power of two of whole rows");
    return nullptr;
  }
  zpol::bit_reverse_matrix_rows(m.data, n, width);
  return undefined(env);
}

// friFold(codeword, logSize, shift, beta, logArity) -> the codeword folded by 2^logArity (fold.h fri_fold).
napi_value fri_fold(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return nullptr;
  Matrix cw, beta;
  uint32_t log_size = 0, shift = 0, log_arity = 0;
  if (!get_u32_array(env, argv[0], &cw) || !get_u32(env, argv[1], &log_size) || !get_shift(env, argv[2], &shift) ||
      !get_u32_array(env, argv[3], &beta) || !get_u32(env, argv[4], &log_arity)) {
    return nullptr;
  }
  if (log_size > static_cast<uint32_t>(zpol::TWO_ADICITY) || log_arity > log_size || cw.length != (size_t{4} << log_size) || beta.length != 4) {
    napi_throw_range_error(env, nullptr, "friFold: the codeword is not 2^logSize extension elements, the arity exceeds it, or beta is not 4 words");
    return nullptr;
  }
  if (!canonical(env, cw.data, cw.length, "the codeword") || !canonical(env, beta.data, 4, "beta")) return nullptr;
  const size_t out_len = size_t{4} << (log_size - log_arity);
  napi_value buffer, result;
  void* out = nullptr;
  if (!check(env, create_output(env, out_len * 4, &out, &buffer))) return nullptr;
  zpol::fri_fold(cw.data, static_cast<int>(log_size), shift, beta.data, static_cast<int>(log_arity), static_cast<uint32_t*>(out));
  if (!check(env, napi_create_typedarray(env, napi_uint32_array, out_len, buffer, 0, &result))) return nullptr;
  return result;
}

// keyedFieldStream(key, counterLow, counterHigh, out) -> 9 words: fills `out` with runtime/proof/rng.ts's generator's
// next field elements drawn from the blocks from the counter on, and returns the words consumed and the last block
// begun (blake3.h keyed_field_stream).
napi_value keyed_field_stream(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return nullptr;
  Matrix key, out;
  uint32_t lo = 0, hi = 0;
  if (!get_u32_array(env, argv[0], &key) || !get_u32(env, argv[1], &lo) || !get_u32(env, argv[2], &hi) || !get_u32_array(env, argv[3], &out)) return nullptr;
  if (key.length != 8 || out.length > (size_t{1} << 28)) {
    napi_throw_range_error(env, nullptr, "keyedFieldStream: the key is 8 words and at most 2^28 elements are drawn at once");
    return nullptr;
  }
  napi_value buffer, result;
  void* trailer = nullptr;
  if (!check(env, create_output(env, 9 * 4, &trailer, &buffer))) return nullptr;
  uint32_t* t = static_cast<uint32_t*>(trailer);
  t[0] = static_cast<uint32_t>(zpol::keyed_field_stream(key.data, (static_cast<uint64_t>(hi) << 32) | lo, out.length, out.data, t + 1));
  if (!check(env, napi_create_typedarray(env, napi_uint32_array, 9, buffer, 0, &result))) return nullptr;
  return result;
}

// tensorRowDigests(values, rows, cols, leaves, chunkDigests): every row's leaf and chunk digests of a tensor
// commitment (tensor-commit.h) into the given arrays: values a Uint16Array of rows × cols bf16 bit patterns, leaves
// 8 × rows words, chunkDigests 8 × rows × chunks words (empty when a row is one chunk).
napi_value tensor_row_digests(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return nullptr;
  const uint16_t* values = nullptr;
  size_t count = 0;
  if (!get_typed_array(env, argv[0], napi_uint16_array, "tensorRowDigests: the values are a Uint16Array", &values, &count)) return nullptr;
  uint32_t rows = 0, cols = 0;
  Matrix leaves, digests;
  if (!get_u32(env, argv[1], &rows) || !get_u32(env, argv[2], &cols) || !get_u32_array(env, argv[3], &leaves) || !get_u32_array(env, argv[4], &digests)) return nullptr;
  const bool shape = rows > 0 && cols > 0 && rows < zpol::P && cols < zpol::P;  // before anything is computed from it
  const size_t chunks = shape ? zpol::tensor_row_chunks(cols) : 0;
  if (!shape || count != size_t{rows} * cols || leaves.length != size_t{rows} * 8 || digests.length != (chunks > 1 ? size_t{rows} * chunks * 8 : 0)) {
    napi_throw_range_error(env, nullptr, "tensorRowDigests: rows × cols values (each below p), 8 × rows leaf words and 8 × rows × chunks digest words (none for one chunk)");
    return nullptr;
  }
  zpol::tensor_row_digests(values, rows, cols, leaves.data, chunks > 1 ? digests.data : nullptr);
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  return undefined;
}

}  // namespace

void define_kernel_functions(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"simdLevel", nullptr, simd_level, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cosetLdeRandomized", nullptr, coset_lde_randomized, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"combineColumns", nullptr, combine_columns, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"weightedColumnSums", nullptr, weighted_column_sums, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reducedQuotient", nullptr, reduced_quotient, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bitReverseRows", nullptr, bit_reverse_rows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"friFold", nullptr, fri_fold, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"keyedFieldStream", nullptr, keyed_field_stream, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isCanonical", nullptr, is_canonical, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tensorRowDigests", nullptr, tensor_row_digests, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace zpol_napi
