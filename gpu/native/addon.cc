// The Node-API face of the native CPU kernels (gpu/index.ts wraps it as a ProofBackend). Arrays are shared, not
// copied: the in-place transforms write into the caller's Uint32Array; the LDE returns a new one. Arguments are
// checked here, so a bad call throws a TypeError or RangeError in JavaScript instead of touching stray memory.
#include <node_api.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "../device/babybear.h"
#include "blake3.h"
#include "cuda-loader.h"
#include "grind.h"
#include "logup.h"
#include "poseidon2-tree.h"
#include "ntt.h"
#include "quotient.h"

#include <string>
#include <vector>

#include "napi-args.h"

namespace {

using namespace zpol_napi;

// kind 0: ntt, 1: intt, 2: coset ntt, 3: coset intt; on the CPU or with the CUDA library.
template <int kind, bool cuda>
napi_value transform(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, kind >= 2 ? 3 : 2, argv)) return nullptr;
  Matrix m;
  size_t n, width;
  if (!get_matrix(env, argv, &m, &n, &width)) return nullptr;
  uint32_t shift = 1;
  if (kind >= 2 && !get_shift(env, argv[2], &shift)) return nullptr;
  if (cuda) {
    const zpol::CudaApi* api = need_cuda(env);
    if (!api || !cuda_ok(env, api->ntt(m.data, n, width, kind, shift))) return nullptr;
    return undefined(env);
  }
  if (kind == 0) zpol::ntt_columns(m.data, n, width);
  if (kind == 1) zpol::intt_columns(m.data, n, width);
  if (kind == 2) zpol::coset_ntt_columns(m.data, n, width, shift);
  if (kind == 3) zpol::coset_intt_columns(m.data, n, width, shift);
  return undefined(env);
}

// cosetLde(values, width, logBlowup, shift) -> Uint32Array of height n << logBlowup.
template <bool cuda>
napi_value coset_lde(napi_env env, napi_callback_info info) {
  napi_value argv[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  if (!get_args(env, info, 4, argv, 5)) return nullptr;
  Matrix m;
  size_t n, width;
  uint32_t log_blowup, shift;
  if (!get_matrix(env, argv, &m, &n, &width) || !get_u32(env, argv[2], &log_blowup) || !get_shift(env, argv[3], &shift)) return nullptr;
  size_t logN = 0;
  while ((size_t{1} << logN) < n) logN++;
  if (logN + log_blowup > static_cast<size_t>(zpol::TWO_ADICITY)) {
    napi_throw_range_error(env, nullptr, "the extension is larger than 2^27 rows");
    return nullptr;
  }
  uint32_t* out = nullptr;
  napi_value result;
  if (!output_words(env, argv[4], (n << log_blowup) * width, &out, &result)) return nullptr;
  if (cuda) {
    const zpol::CudaApi* api = need_cuda(env);
    if (!api || !cuda_ok(env, api->coset_lde(m.data, n, width, static_cast<int>(log_blowup), shift, out))) return nullptr;
  } else {
    zpol::coset_lde_columns(m.data, n, width, static_cast<int>(log_blowup), shift, out);
  }
  return result;
}

// merkleLayers(matrices: Uint32Array[], salts: Uint32Array | null, saltWidth, height, leafKey, nodeKey):
// every layer of the 'blake3-keyed-v1' tree (merkle/tree.ts), leaves first, as Uint32Arrays of 8-word digests;
// with leafKey and nodeKey null, of the 'poseidon2-babybear-16' tree (a RangeError on a non-canonical element).
// merkleLeaves (same arguments): the leaf layer alone, as a one-element array. With `cuda`, on the GPU.
template <bool cuda, bool leaves_only = false>
napi_value merkle_layers(napi_env env, napi_callback_info info) {
  napi_value argv[7] = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  if (!get_args(env, info, 6, argv, 7)) return nullptr;
  uint32_t salt_width = 0, height = 0;
  if (!get_u32(env, argv[2], &salt_width) || !get_u32(env, argv[3], &height)) return nullptr;
  if (height == 0 || (height & (height - 1)) != 0) {
    napi_throw_range_error(env, nullptr, "the tree height must be a power of two");
    return nullptr;
  }
  Matrix leaf_key, node_key;
  napi_valuetype key_type;
  if (!check(env, napi_typeof(env, argv[4], &key_type))) return nullptr;
  const bool poseidon2 = key_type == napi_null;
  if (!poseidon2 && (!get_u32_array(env, argv[4], &leaf_key) || !get_u32_array(env, argv[5], &node_key))) return nullptr;
  if (!poseidon2 && (leaf_key.length != 8 || node_key.length != 8)) {
    napi_throw_range_error(env, nullptr, "a BLAKE3 key is 8 words");
    return nullptr;
  }
  bool is_array = false;
  if (!check(env, napi_is_array(env, argv[0], &is_array))) return nullptr;
  uint32_t count = 0;
  if (!is_array || !check(env, napi_get_array_length(env, argv[0], &count)) || count == 0) {
    if (!is_array || count == 0) napi_throw_type_error(env, nullptr, "expected a non-empty array of Uint32Arrays");
    return nullptr;
  }
  std::vector<const uint32_t*> mats(count);
  std::vector<size_t> widths(count);
  for (uint32_t k = 0; k < count; k++) {
    napi_value el;
    Matrix m;
    if (!check(env, napi_get_element(env, argv[0], k, &el)) || !get_u32_array(env, el, &m)) return nullptr;
    if (m.length == 0 || m.length % height != 0) {
      napi_throw_range_error(env, nullptr, "a matrix is not a whole number of columns of the tree's height");
      return nullptr;
    }
    mats[k] = m.data;
    widths[k] = m.length / height;
  }
  const uint32_t* salts = nullptr;
  napi_valuetype salts_type;
  if (!check(env, napi_typeof(env, argv[1], &salts_type))) return nullptr;
  if (salts_type != napi_null) {
    Matrix sm;
    if (!get_u32_array(env, argv[1], &sm)) return nullptr;
    if (sm.length != static_cast<size_t>(height) * salt_width) {
      napi_throw_range_error(env, nullptr, "the salts are not height rows of saltWidth");
      return nullptr;
    }
    salts = sm.data;
  } else if (salt_width != 0) {
    napi_throw_range_error(env, nullptr, "saltWidth without salts");
    return nullptr;
  }
  napi_value layers;
  if (!check(env, napi_create_array(env, &layers))) return nullptr;
  std::vector<uint32_t> all;  // with CUDA: every layer at once, copied out below
  if (cuda) {
    const zpol::CudaApi* api = need_cuda(env);
    if (!api) return nullptr;
    if (poseidon2 && !zpol::all_canonical(mats.data(), widths.data(), count, salts, salt_width, height)) {
      napi_throw_range_error(env, nullptr, "Poseidon2 input: an element is not a canonical BabyBear element");
      return nullptr;
    }
    std::vector<uint64_t> w64(widths.begin(), widths.end());
    const int hasher = poseidon2 ? ZPOL_CUDA_POSEIDON2 : ZPOL_CUDA_BLAKE3;
    const uint32_t* lk = poseidon2 ? nullptr : leaf_key.data;
    all.resize((leaves_only ? static_cast<size_t>(height) : 2 * static_cast<size_t>(height) - 1) * 8);
    const int e = leaves_only ? api->merkle_leaves(hasher, mats.data(), w64.data(), count, salts, salt_width, height, lk, all.data())
                              : api->merkle_layers(hasher, mats.data(), w64.data(), count, salts, salt_width, height, lk, poseidon2 ? nullptr : node_key.data, all.data());
    if (!cuda_ok(env, e)) return nullptr;
  }
  size_t offset = 0;
  uint32_t* below = nullptr;
  uint32_t index = 0;
  for (size_t n = height; n >= 1; n >>= 1) {
    napi_value array;
    uint32_t* out = nullptr;
    // merkleLeaves' one layer may go into a buffer handed back (argv[6], napi-args.h output_words).
    if (!output_words(env, leaves_only ? argv[6] : nullptr, n * 8, &out, &array)) return nullptr;
    if (cuda) {
      std::memcpy(out, all.data() + offset, n * 32);
      offset += n * 8;
    } else if (n == height && poseidon2) {
      if (!zpol::poseidon2_merkle_leaves(mats.data(), widths.data(), count, salts, salt_width, height, out)) {
        napi_throw_range_error(env, nullptr, "Poseidon2 input: an element is not a canonical BabyBear element");
        return nullptr;
      }
    } else if (poseidon2) {
      zpol::poseidon2_merkle_nodes(below, n, out);
    } else if (n == height) {
      zpol::merkle_leaves(leaf_key.data, mats.data(), widths.data(), count, salts, salt_width, height, out);
    } else {
      zpol::merkle_nodes(node_key.data, below, n, out);
    }
    if (!check(env, napi_set_element(env, layers, index++, array))) return nullptr;
    below = out;
    if (n == 1 || leaves_only) break;
  }
  return layers;
}

// merkleNodes(below: Uint32Array, nodeKey | null) -> Uint32Array: the level above `below` (2n digests in, n out:
// node j compresses digests 2j and 2j+1), with the BLAKE3 node key, or Poseidon2's compression when it is null.
// The mixed-height trees of runtime/proof/merkle/mixed.ts are built level by level with it. With `cuda`, on the GPU.
template <bool cuda>
napi_value merkle_nodes_level(napi_env env, napi_callback_info info) {
  napi_value argv[3] = {nullptr, nullptr, nullptr};
  if (!get_args(env, info, 2, argv, 3)) return nullptr;
  Matrix below, node_key;
  if (!get_u32_array(env, argv[0], &below)) return nullptr;
  napi_valuetype key_type;
  if (!check(env, napi_typeof(env, argv[1], &key_type))) return nullptr;
  const bool poseidon2 = key_type == napi_null;
  if (!poseidon2 && (!get_u32_array(env, argv[1], &node_key) || node_key.length != 8)) {
    napi_throw_range_error(env, nullptr, "a BLAKE3 key is 8 words");
    return nullptr;
  }
  if (below.length == 0 || below.length % 16 != 0) {
    napi_throw_range_error(env, nullptr, "merkleNodes: the level below must hold an even, positive number of digests");
    return nullptr;
  }
  const size_t n = below.length / 16;
  napi_value result;
  uint32_t* out = nullptr;
  if (!output_words(env, argv[2], n * 8, &out, &result)) return nullptr;
  if (out == below.data) {
    napi_throw_range_error(env, nullptr, "merkleNodes: the output may not be the level below");
    return nullptr;
  }
  if (cuda) {
    const zpol::CudaApi* api = need_cuda(env);
    if (!api || !cuda_ok(env, api->merkle_nodes(poseidon2 ? ZPOL_CUDA_POSEIDON2 : ZPOL_CUDA_BLAKE3, poseidon2 ? nullptr : node_key.data, below.data, n, out))) return nullptr;
  } else if (poseidon2) zpol::poseidon2_merkle_nodes(below.data, n, out);
  else zpol::merkle_nodes(node_key.data, below.data, n, out);
  return result;
}

// evaluateQuotient(code, roots, height, nextOffset, main, mainWidth, pre, preWidth, aux, auxWidth, first, last,
// transition, publics, challenges, claimedSum, gammaPowers, zInv) -> Uint32Array(4 * height): stark/prover.ts's
// The bytecode and the domain's inputs of evaluateQuotient and evaluateRoots (argv[0..15]: code, roots, height,
// nextOffset, main, mainWidth, pre, preWidth, aux, auxWidth, first, last, transition, publics, challenges,
// sumPerRow), with their shapes checked; false after throwing.
bool read_program_inputs(napi_env env, napi_value* argv, zpol::QuotientInputs* in, const char* name) {
  size_t code_len = 0;
  uint32_t height = 0, next_offset = 0, main_width = 0, pre_width = 0, aux_width = 0;
  size_t main_len = 0, pre_len = 0, aux_len = 0, first_len = 0, last_len = 0, trans_len = 0, ch_len = 0, cs_len = 0;
  if (!get_i32_array(env, argv[0], &in->code, &code_len) || !get_i32_array(env, argv[1], &in->roots, &in->root_count)) return false;
  if (!get_u32(env, argv[2], &height) || !get_u32(env, argv[3], &next_offset) || !get_u32(env, argv[5], &main_width) ||
      !get_u32(env, argv[7], &pre_width) || !get_u32(env, argv[9], &aux_width))
    return false;
  if (!get_optional_u32_array(env, argv[4], &in->main, &main_len) || !get_optional_u32_array(env, argv[6], &in->pre, &pre_len) ||
      !get_optional_u32_array(env, argv[8], &in->aux, &aux_len) || !get_optional_u32_array(env, argv[10], &in->first, &first_len) ||
      !get_optional_u32_array(env, argv[11], &in->last, &last_len) || !get_optional_u32_array(env, argv[12], &in->transition, &trans_len) ||
      !get_optional_u32_array(env, argv[13], &in->publics, &in->public_count) || !get_optional_u32_array(env, argv[14], &in->challenges, &ch_len) ||
      !get_optional_u32_array(env, argv[15], &in->claimed_sum, &cs_len))
    return false;
  const size_t n = height;
  in->nodes = code_len / 6;
  in->height = n;
  in->next_offset = next_offset;
  in->main_width = main_width;
  in->pre_width = pre_width;
  in->aux_width = aux_width;
  in->challenge_count = ch_len / 4;
  const bool shapes = code_len % 6 == 0 && n > 0 && in->main && main_width > 0 && main_len == n * main_width &&
                      (!in->pre || pre_len == n * pre_width) && (!in->aux || aux_len == 4 * n * aux_width) && first_len == n &&
                      last_len == n && trans_len == n && cs_len == 4 && next_offset < n;
  if (!shapes) {
    const std::string message = std::string(name) + ": the inputs' shapes do not agree";
    napi_throw_range_error(env, nullptr, message.c_str());
    return false;
  }
  return true;
}

// Z_H^-1 * sum_j gamma^j C_j on the quotient domain, the constraints as air/eval.ts compileConstraints bytecode.
template <bool cuda>
napi_value evaluate_quotient(napi_env env, napi_callback_info info) {
  napi_value argv[18];
  if (!get_args(env, info, 18, argv)) return nullptr;
  zpol::QuotientInputs in{};
  size_t gp_len = 0, z_len = 0;
  if (!read_program_inputs(env, argv, &in, "evaluateQuotient")) return nullptr;
  if (!get_optional_u32_array(env, argv[16], &in.gamma_powers, &gp_len) || !get_optional_u32_array(env, argv[17], &in.z_inv, &z_len)) return nullptr;
  in.period = z_len;
  const size_t n = in.height;
  if (gp_len != 4 * in.root_count) {
    napi_throw_range_error(env, nullptr, "evaluateQuotient: the inputs' shapes do not agree");
    return nullptr;
  }
  napi_value buffer, result;
  void* out = nullptr;
  if (!check(env, create_output(env, 16 * n, &out, &buffer))) return nullptr;
  if (cuda) {
    const zpol::CudaApi* api = need_cuda(env);
    if (!api) return nullptr;
    if (!zpol::quotient_valid(in)) {
      napi_throw_range_error(env, nullptr, "evaluateQuotient: malformed constraint bytecode");
      return nullptr;
    }
    const int e = api->quotient(in.code, in.nodes, in.roots, in.root_count, in.height, in.next_offset, in.main, in.main_width, in.pre, in.pre_width, in.aux,
                                in.aux_width, in.first, in.last, in.transition, in.publics, in.public_count, in.challenges, in.challenge_count,
                                in.claimed_sum, in.gamma_powers, in.z_inv, in.period, static_cast<uint32_t*>(out));
    if (!cuda_ok(env, e)) return nullptr;
  } else if (!zpol::evaluate_quotient(in, static_cast<uint32_t*>(out))) {
    napi_throw_range_error(env, nullptr, "evaluateQuotient: malformed constraint bytecode");
    return nullptr;
  }
  if (!check(env, napi_create_typedarray(env, napi_uint32_array, 4 * n, buffer, 0, &result))) return nullptr;
  return result;
}

// evaluateRoots(the first 16 arguments of evaluateQuotient) -> Uint32Array(roots × height): each root's values on
// every row, root-major (the roots base-field expressions: the prover's LogUp interactions on the trace domain).
napi_value evaluate_roots(napi_env env, napi_callback_info info) {
  napi_value argv[16];
  if (!get_args(env, info, 16, argv)) return nullptr;
  zpol::QuotientInputs in{};
  if (!read_program_inputs(env, argv, &in, "evaluateRoots")) return nullptr;
  in.period = 1;
  napi_value buffer, result;
  void* out = nullptr;
  if (!check(env, create_output(env, 4 * in.root_count * in.height, &out, &buffer))) return nullptr;
  if (!zpol::evaluate_roots(in, static_cast<uint32_t*>(out))) {
    napi_throw_range_error(env, nullptr, "evaluateRoots: malformed bytecode or a root in the extension field");
    return nullptr;
  }
  if (!check(env, napi_create_typedarray(env, napi_uint32_array, in.root_count * in.height, buffer, 0, &result))) return nullptr;
  return result;
}

// logupAux(vectors, height, spec, groupOf, groups, challenges) -> Uint32Array(4 * (height * (groups + 1) + 1)): the
// LogUp auxiliary trace (air/logup.ts buildAuxTrace) row-major, then the claimed sum; spec per interaction: bus,
// value count n, n vector indices, the multiplicity's vector index. A zero denominator throws an Error naming it.
napi_value logup_aux(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv)) return nullptr;
  Matrix vectors{}, challenges{};
  uint32_t height = 0, groups = 0;
  const int32_t* spec = nullptr;
  const int32_t* group_of = nullptr;
  size_t spec_len = 0, group_len = 0;
  if (!get_u32_array(env, argv[0], &vectors) || !get_u32(env, argv[1], &height) || !get_i32_array(env, argv[2], &spec, &spec_len) ||
      !get_i32_array(env, argv[3], &group_of, &group_len) || !get_u32(env, argv[4], &groups) || !get_u32_array(env, argv[5], &challenges))
    return nullptr;
  if (height == 0 || vectors.length % height != 0 || challenges.length % 4 != 0 || challenges.length == 0 || groups == 0) {
    napi_throw_range_error(env, nullptr, "logupAux: the inputs' shapes do not agree");
    return nullptr;
  }
  zpol::LogupInputs in{vectors.data, vectors.length / height, height, spec, spec_len, group_len, group_of, groups, challenges.data, challenges.length / 4};
  const size_t words = 4 * (static_cast<size_t>(height) * (groups + 1) + 1);
  napi_value buffer, result;
  void* out = nullptr;
  if (!check(env, create_output(env, 4 * words, &out, &buffer))) return nullptr;
  uint32_t* o = static_cast<uint32_t*>(out);
  const int e = zpol::logup_aux(in, o, o + words - 4);
  if (e == 1) {
    napi_throw_range_error(env, nullptr, "logupAux: malformed interactions (a count, index, bus, group or element out of range)");
    return nullptr;
  }
  if (e == 2) {
    napi_throw_error(env, nullptr, "logupAux: a bus fingerprint equals the challenge beta");
    return nullptr;
  }
  if (!check(env, napi_create_typedarray(env, napi_uint32_array, words, buffer, 0, &result))) return nullptr;
  return result;
}

// grindBlake3(key, challenge, bits, start) / grindPoseidon2(challenge, bits, start) -> the least nonce >= start below
// 2^53 solving runtime/proof/pow.ts's puzzle (key and challenge 8 words for BLAKE3; 16 canonical elements for
// Poseidon2), or -1 when none does.
template <bool poseidon2>
napi_value grind(napi_env env, napi_callback_info info) {
  constexpr size_t argc = poseidon2 ? 3 : 4;
  napi_value argv[4];
  if (!get_args(env, info, argc, argv)) return nullptr;
  Matrix key{}, challenge{};
  uint32_t bits = 0;
  double start = 0;
  if (!poseidon2 && !get_u32_array(env, argv[0], &key)) return nullptr;
  if (!get_u32_array(env, argv[poseidon2 ? 0 : 1], &challenge) || !get_u32(env, argv[argc - 2], &bits) ||
      !check(env, napi_get_value_double(env, argv[argc - 1], &start)))
    return nullptr;
  const double limit = 9007199254740992.0;  // 2^53
  if ((!poseidon2 && key.length != 8) || challenge.length != (poseidon2 ? 16u : 8u) || bits > (poseidon2 ? 30u : 64u) ||
      !(start >= 0 && start < limit) || start != static_cast<double>(static_cast<uint64_t>(start))) {
    napi_throw_range_error(env, nullptr, "grind: a key and challenge of the puzzle's size, bits in range, and a whole start below 2^53");
    return nullptr;
  }
  if (poseidon2) {
    for (size_t i = 0; i < 16; i++)
      if (challenge.data[i] >= zpol::P) {
        napi_throw_range_error(env, nullptr, "grind: a Poseidon2 challenge element is not canonical");
        return nullptr;
      }
  }
  const uint64_t from = static_cast<uint64_t>(start), to = static_cast<uint64_t>(limit);
  const uint64_t nonce = poseidon2 ? zpol::grind_poseidon2(challenge.data, bits, from, to) : zpol::grind_blake3(key.data, challenge.data, bits, from, to);
  napi_value result;
  if (!check(env, napi_create_double(env, nonce == zpol::NO_NONCE ? -1.0 : static_cast<double>(nonce), &result))) return nullptr;
  return result;
}

// grindPoseidon2Lanes(challenge, thresholds, start[, end]) -> the least nonce in [start, end) (end 2^53 unless given)
// whose permutation of the 16 canonical challenge elements (nonce in elements 9 and 10) has element l below
// thresholds[l] for each of the 1 to 8 thresholds (each at most p), or -1: a draw's proof of work
// (runtime/run/sampling.ts, grind.h). A bounded range lets a long search be checkpointed between ranges.
napi_value grind_lanes(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))) return nullptr;
  if (argc < 3) {
    napi_throw_type_error(env, nullptr, "grindPoseidon2Lanes: expected (challenge, thresholds, start[, end])");
    return nullptr;
  }
  Matrix challenge{}, thresholds{};
  double start = 0;
  double limit = 9007199254740992.0;  // 2^53
  if (!get_u32_array(env, argv[0], &challenge) || !get_u32_array(env, argv[1], &thresholds) || !check(env, napi_get_value_double(env, argv[2], &start)))
    return nullptr;
  napi_valuetype endType = napi_undefined;
  if (argc > 3 && !check(env, napi_typeof(env, argv[3], &endType))) return nullptr;
  const bool bounded = endType != napi_undefined;
  if (bounded && !check(env, napi_get_value_double(env, argv[3], &limit))) return nullptr;
  bool ok = challenge.length == 16 && thresholds.length >= 1 && thresholds.length <= 8 && start >= 0 && start < 9007199254740992.0 &&
            start == static_cast<double>(static_cast<uint64_t>(start)) && limit > start && limit <= 9007199254740992.0 &&
            limit == static_cast<double>(static_cast<uint64_t>(limit));
  for (size_t i = 0; ok && i < 16; i++) ok = challenge.data[i] < zpol::P;
  for (size_t i = 0; ok && i < thresholds.length; i++) ok = thresholds.data[i] <= zpol::P;
  if (!ok) {
    napi_throw_range_error(env, nullptr, "grindPoseidon2Lanes: 16 canonical challenge elements, 1 to 8 thresholds at most p, a whole start below 2^53 and a whole end past it, at most 2^53");
    return nullptr;
  }
  const uint64_t nonce = zpol::grind_poseidon2_lanes(challenge.data, thresholds.data, static_cast<uint32_t>(thresholds.length), static_cast<uint64_t>(start), static_cast<uint64_t>(limit));
  napi_value result;
  if (!check(env, napi_create_double(env, nonce == zpol::NO_NONCE ? -1.0 : static_cast<double>(nonce), &result))) return nullptr;
  return result;
}

// cudaLoad(path) -> { devices, error, name }: opens the CUDA library (once) and counts its devices; error is the
// dlopen message or the CUDA error name (cudaErrorInsufficientDriver, cudaErrorNoDevice), null when a device answers.
napi_value cuda_load(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return nullptr;
  size_t len = 0;
  if (!check(env, napi_get_value_string_utf8(env, argv[0], nullptr, 0, &len))) return nullptr;
  std::string path(len, '\0');
  if (!check(env, napi_get_value_string_utf8(env, argv[0], &path[0], len + 1, &len))) return nullptr;
  std::string error;
  int devices = 0;
  char name[256] = {0};
  if (const zpol::CudaApi* api = zpol::load_cuda(path, &error)) {
    const int e = api->device_count(&devices);
    if (e != 0) error = api->error_name(e);
    else if (devices == 0) error = "cudaErrorNoDevice";
    else api->device_name(name, sizeof name);
  } else if (error.empty()) {
    // No library is never a device that answers, whatever load_cuda says of why.
    error = "the CUDA library did not load";
  }
  napi_value result, v;
  if (!check(env, napi_create_object(env, &result))) return nullptr;
  if (!check(env, napi_create_int32(env, error.empty() ? devices : 0, &v)) || !check(env, napi_set_named_property(env, result, "devices", v))) return nullptr;
  if (error.empty()) napi_get_null(env, &v);
  else if (!check(env, napi_create_string_utf8(env, error.c_str(), error.size(), &v))) return nullptr;
  if (!check(env, napi_set_named_property(env, result, "error", v))) return nullptr;
  if (!check(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v)) || !check(env, napi_set_named_property(env, result, "name", v))) return nullptr;
  return result;
}

// A prover allocates the same large buffers in every proof (each LDE, tree and quotient: hundreds of MB at 2^17 rows),
// and glibc hands every allocation above its mmap threshold (at most 32 MiB) fresh pages from the kernel and returns
// them on free, so each proof paid for them again: a warm 2^17-row proof spent 0.35–0.47 of its ~3.3 CPU-s in the
// kernel, 190 k page faults. With no allocation mmapped on its own and the main heap's top trimmed only past 2 GiB,
// freed buffers are reused (a warm proof: 0.04–0.11 CPU-s in the kernel, at most 18 k faults; the peak resident set
// 851 → 953 MB, session 37); calloc then clears a reused chunk itself, far cheaper than the faults. That is the main
// thread's heap, where Node's ArrayBuffers and the kernels' outputs live. Other threads' arenas are heaps of 64 MiB:
// what a worker asks for beyond that glibc still maps and unmaps each time (M_MMAP_MAX binds only the arenas' own
// choice), and each arena keeps up to its 64 MiB between calls. Process-wide by nature (the same malloc serves
// Node); loading the addon means proving. glibc only; where mallopt refuses, allocations behave as before.
// Once a process: init runs once per Node environment (each worker thread's), maybe while other threads allocate.
void retain_freed_memory() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
  });
#endif
}

napi_value init(napi_env env, napi_value exports) {
  retain_freed_memory();
  napi_property_descriptor props[] = {
      {"nttColumns", nullptr, transform<0, false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"inttColumns", nullptr, transform<1, false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cosetNttColumns", nullptr, transform<2, false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cosetInttColumns", nullptr, transform<3, false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cosetLde", nullptr, coset_lde<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"merkleLayers", nullptr, merkle_layers<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"merkleLeaves", nullptr, merkle_layers<false, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"merkleNodes", nullptr, merkle_nodes_level<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"evaluateQuotient", nullptr, evaluate_quotient<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"evaluateRoots", nullptr, evaluate_roots, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"logupAux", nullptr, logup_aux, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"grindBlake3", nullptr, grind<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"grindPoseidon2", nullptr, grind<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"grindPoseidon2Lanes", nullptr, grind_lanes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaLoad", nullptr, cuda_load, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaNttColumns", nullptr, transform<0, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaInttColumns", nullptr, transform<1, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaCosetNttColumns", nullptr, transform<2, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaCosetInttColumns", nullptr, transform<3, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaCosetLde", nullptr, coset_lde<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaMerkleLayers", nullptr, merkle_layers<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaMerkleLeaves", nullptr, merkle_layers<true, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaMerkleNodes", nullptr, merkle_nodes_level<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cudaEvaluateQuotient", nullptr, evaluate_quotient<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  define_kernel_functions(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
