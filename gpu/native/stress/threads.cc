// Every native kernel family called from several threads released together, each result compared with a
// single-threaded reference. Node worker threads share one addon (runtime/queue/threads.ts proves side by side), so
// the kernels' caches, their thread pool (parallel.h WorkerPool) and the SIMD version switch are shared state; a race
// there shows only when threads meet on it, seldom on a 2-core machine, and test/gpu/worker-pool.test.ts meets a few
// kernels a few times. When written it found two such races: threads asking for a fresh transform size together read
// half-filled or freed NTT tables (ntt.cc, fixed in 862b0d8), and simd_select tore a kernel's read of the version
// table in another thread (simd.cc, fixed in 8ade7da).
//
// Run it through its driver before changing the native threading (too slow for npm test):
//   npm run stress:native [-- --rounds 24 --threads 8 --hardware-threads 16 --tsan]
// The driver (run.mjs) builds this file with the checkout's gpu/native/*.cc (the addon's Node-API glue aside): with
// ZPOL_HARDWARE_THREADS() at 1 for the reference, at 16 for the stress runs (parallel.h: kernel_threads() then splits
// work 16 ways and the pool has 15 workers, as on a 16-thread machine), once per SIMD version the CPU has, and with
// --tsan again under ThreadSanitizer. By hand:
//   threads simd                        -- the SIMD version ZPOL_SIMD selects
//   threads reference FILE ROUNDS       -- every check's digest per round, one thread, into FILE
//   threads stress FILE ROUNDS THREADS  -- THREADS threads run every check each round, against FILE
// Exit status: 0 when every digest matches, 1 on a mismatch, 2 on bad arguments; a kernel refusing its input aborts.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../device/babybear.h"
#include "../blake3.h"
#include "../cuda-loader.h"
#include "../deep.h"
#include "../fold.h"
#include "../grind.h"
#include "../logup.h"
#include "../ntt.h"
#include "../parallel.h"
#include "../poseidon2-tree.h"
#include "../quotient.h"
#include "../simd.h"
#include "../tensor-commit.h"

namespace {

using namespace zpol;
using Words = std::vector<uint32_t>;

// Inputs drawn from a seed (xorshift64), so every thread and the reference see the same matrices in a round.
class Inputs {
 public:
  explicit Inputs(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 12345) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  Words field(size_t n) {
    Words v(n);
    for (auto& x : v) x = static_cast<uint32_t>(next() % P);
    return v;
  }

 private:
  uint64_t state_;
};

// FNV-1a over 32-bit words, chained through `seed` to digest several outputs of one check.
constexpr uint64_t FNV_OFFSET = 1469598103934665603ull;
uint64_t digest(const uint32_t* words, size_t n, uint64_t seed = FNV_OFFSET) {
  for (size_t i = 0; i < n; i++) {
    seed ^= words[i];
    seed *= 1099511628211ull;
  }
  return seed;
}
uint64_t digest(const Words& v, uint64_t seed = FNV_OFFSET) { return digest(v.data(), v.size(), seed); }

// A kernel that refuses the inputs below is a broken check, not a race: stop rather than compare two refusals.
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "threads: %s refused its input\n", what);
  std::abort();
}

// Round r's transform size, 2^FRESH_LOG_SIZES[r]: sizes the other checks never transform (they use 2^10 .. 2^13 and
// 2^15), so in a stress run the first request for a size's twiddles comes from every thread at once, the moment
// ntt.cc builds that table. (Some small bit-reversal tables are built earlier, by the tiled row reversal of round
// 0's wide checks; the twiddles stay fresh.) Past the list's end the sizes repeat and are no longer fresh.
const int FRESH_LOG_SIZES[] = {14, 16, 17, 9, 8, 7, 6, 5, 4, 3, 2, 1};
constexpr int FRESH_SIZE_COUNT = sizeof(FRESH_LOG_SIZES) / sizeof(FRESH_LOG_SIZES[0]);
constexpr uint32_t SHIFT = 31;  // the coset shift of every coset transform here (BabyBear's generator)

uint64_t fresh_ntt(int round) {
  const int log_n = FRESH_LOG_SIZES[round % FRESH_SIZE_COUNT];
  const size_t n = size_t{1} << log_n;
  Inputs in(100 + round);
  // Under 16 columns the transform runs column by column, from 16 on whole rows: both layouts' tables, about 2^17
  // words each (at least 16 columns when wide).
  const size_t narrow = std::max<size_t>(1, std::min<size_t>(8, (size_t{1} << 17) >> log_n));
  const size_t wide = std::max<size_t>(16, std::min<size_t>(512, (size_t{1} << 17) >> log_n));
  Words v = in.field(n * narrow);
  ntt_columns(v.data(), n, narrow);
  uint64_t h = digest(v);
  intt_columns(v.data(), n, narrow);
  h = digest(v, h);
  Words w = in.field(n * wide);
  coset_ntt_columns(w.data(), n, wide, SHIFT);
  h = digest(w, h);
  coset_intt_columns(w.data(), n, wide, SHIFT);
  return digest(w, h);
}

uint64_t fresh_lde(int round) {
  const int log_big = FRESH_LOG_SIZES[round % FRESH_SIZE_COUNT];
  if (log_big < 2) return 0;  // no blowup of at least 4 fits
  const int log_blowup = log_big >= 16 ? 3 : 2;
  const size_t n = size_t{1} << (log_big - log_blowup), big = size_t{1} << log_big;
  Inputs in(200 + round);
  uint64_t h = 0;
  for (size_t width : {size_t{4}, size_t{24}}) {
    Words v = in.field(n * width), out(big * width);
    coset_lde_columns(v.data(), n, width, log_blowup, SHIFT, out.data());
    h = digest(out, h);
    const size_t random_rows = std::min<size_t>(n, 3);
    Words randomizer = in.field(random_rows * width);
    coset_lde_randomized_columns(v.data(), n, width, randomizer.data(), random_rows, log_blowup, SHIFT, out.data());
    h = digest(out, h);
  }
  return h;
}

uint64_t ntt_narrow(int round) {
  Inputs in(1 + round);
  const size_t n = 1 << 15, width = 4;
  Words v = in.field(n * width);
  ntt_columns(v.data(), n, width);
  const uint64_t h = digest(v);
  coset_intt_columns(v.data(), n, width, SHIFT);
  return digest(v, h);
}

uint64_t ntt_wide(int round) {
  Inputs in(2 + round);
  const size_t n = 1 << 12, width = 40;  // the rows' reversal by tiles (up to 64 columns)
  Words v = in.field(n * width);
  coset_ntt_columns(v.data(), n, width, SHIFT);
  const uint64_t h = digest(v);
  intt_columns(v.data(), n, width);
  return digest(v, h);
}

uint64_t ntt_very_wide(int round) {
  Inputs in(3 + round);
  const size_t n = 1 << 10, width = 130;  // the rows' reversal a pair at a time (over 64 columns)
  Words v = in.field(n * width);
  ntt_columns(v.data(), n, width);
  return digest(v);
}

uint64_t bit_reversal(int round) {
  Inputs in(4 + round);
  const size_t n = 1 << 13, width = 8;
  Words v = in.field(n * width);
  bit_reverse_matrix_rows(v.data(), n, width);
  return digest(v);
}

uint64_t lde(int round) {
  Inputs in(5 + round);
  uint64_t h = 0;
  // Narrow and wide (per-column buffers, and slices of columns per thread), blowups 8 and 4.
  for (const auto& [width, log_blowup] : {std::pair<size_t, int>{8, 3}, std::pair<size_t, int>{48, 2}}) {
    const size_t n = 1 << 10;
    Words v = in.field(n * width), out((n << log_blowup) * width);
    coset_lde_columns(v.data(), n, width, log_blowup, SHIFT, out.data());
    h = digest(out, h);
  }
  return h;
}

uint64_t lde_randomized(int round) {
  Inputs in(7 + round);
  uint64_t h = 0;
  for (size_t width : {size_t{6}, size_t{36}}) {
    const size_t n = 1 << 11, random_rows = 5;
    Words v = in.field(n * width), randomizer = in.field(random_rows * width), out((n << 1) * width);
    coset_lde_randomized_columns(v.data(), n, width, randomizer.data(), random_rows, 1, SHIFT, out.data());
    h = digest(out, h);
  }
  return h;
}

uint64_t blake3_merkle(int round) {
  Inputs in(8 + round);
  const size_t height = 1 << 12;
  Words leaf_key = in.field(8), node_key = in.field(8), a = in.field(height * 8), b = in.field(height * 7), salts = in.field(height * 2);
  const uint32_t* matrices[2] = {a.data(), b.data()};
  size_t widths[2] = {8, 7};
  Words leaves(height * 8), nodes((height / 2) * 8);
  merkle_leaves(leaf_key.data(), matrices, widths, 2, salts.data(), 2, height, leaves.data());
  merkle_nodes(node_key.data(), leaves.data(), height / 2, nodes.data());
  uint64_t h = digest(nodes, digest(leaves));
  // Rows of 300 words: a leaf message over several BLAKE3 chunks.
  const size_t long_height = 1 << 7;
  Words long_rows = in.field(long_height * 300), long_leaves(long_height * 8);
  const uint32_t* long_matrix[1] = {long_rows.data()};
  size_t long_width[1] = {300};
  merkle_leaves(leaf_key.data(), long_matrix, long_width, 1, nullptr, 0, long_height, long_leaves.data());
  return digest(long_leaves, h);
}

uint64_t keyed_stream(int round) {
  Inputs in(9 + round);
  Words key = in.field(8), out(5000), last(8);
  const size_t blocks = keyed_field_stream(key.data(), 77 + round, out.size(), out.data(), last.data());
  return digest(last, digest(out)) ^ blocks;
}

uint64_t poseidon2_merkle(int round) {
  Inputs in(10 + round);
  const size_t height = 1 << 10;
  Words a = in.field(height * 8), b = in.field(height * 7), salts = in.field(height * 2);
  const uint32_t* matrices[2] = {a.data(), b.data()};
  size_t widths[2] = {8, 7};
  require(all_canonical(matrices, widths, 2, salts.data(), 2, height), "all_canonical");
  Words leaves(height * 8), nodes((height / 2) * 8);
  require(poseidon2_merkle_leaves(matrices, widths, 2, salts.data(), 2, height, leaves.data()), "poseidon2_merkle_leaves");
  poseidon2_merkle_nodes(leaves.data(), height / 2, nodes.data());
  return digest(nodes, digest(leaves));
}

// A constraint program (gpu/device/quotient.h: 6 words a node, op, ext, a, b, k, next) reading every input kind,
// with base and extension products.
const std::vector<int32_t> QUOTIENT_CODE = {
    Q_MAIN, 0, 0, 0, 0, 0,         // 0: main column 0
    Q_MAIN, 0, 0, 0, 1, 1,         // 1: main column 1, next row
    Q_MUL, 0, 0, 1, 0, 0,          // 2
    Q_CHALLENGE, 1, 0, 0, 0, 0,    // 3
    Q_MUL, 1, 3, 2, 0, 0,          // 4: extension × base
    Q_AUX, 1, 0, 0, 0, 1,          // 5
    Q_ADD, 1, 4, 5, 0, 0,          // 6
    Q_SUB, 1, 6, 3, 0, 0,          // 7
    Q_FIRST, 0, 0, 0, 0, 0,        // 8
    Q_MUL, 1, 7, 8, 0, 0,          // 9
    Q_CONST, 0, 0, 0, 5, 0,        // 10
    Q_ADD, 0, 2, 10, 0, 0,         // 11
    Q_MUL, 0, 11, 11, 0, 0,        // 12
    Q_PRE, 0, 0, 0, 1, 0,          // 13
    Q_SUB, 0, 12, 13, 0, 0,        // 14
    Q_NEG, 0, 14, 0, 0, 0,         // 15
    Q_TRANSITION, 0, 0, 0, 0, 0,   // 16
    Q_MUL, 0, 15, 16, 0, 0,        // 17
    Q_PUBLIC, 0, 0, 0, 1, 0,       // 18
    Q_CLAIMED_SUM, 1, 0, 0, 0, 0,  // 19
    Q_MUL, 1, 19, 18, 0, 0,        // 20
    Q_MAIN, 0, 0, 0, 0, 0,         // 21: equal to node 0, run once
    Q_ADD, 0, 21, 0, 0, 0,         // 22
    Q_MUL, 1, 9, 6, 0, 0,          // 23: extension × extension
    Q_LAST, 0, 0, 0, 0, 0,         // 24
    Q_ADD, 0, 24, 22, 0, 0,        // 25
};

// A quotient program's inputs over n rows, drawn from `in`: main, preprocessed and auxiliary (extension) columns of
// the given widths, the selectors, publics and extension challenges, and what the combination reads (claimed sum,
// one gamma power a root, z^-1). The vectors live here; `q` points into them.
struct QuotientCase {
  Words main, pre, aux, first, last, transition, publics, challenges, claimed, gamma_powers, z_inv;
  QuotientInputs q{};

  QuotientCase(Inputs& in, const std::vector<int32_t>& code, const std::vector<int32_t>& roots, size_t n, size_t next_offset,
               size_t main_width, size_t pre_width, size_t aux_width, size_t public_count, size_t challenge_count)
      : main(in.field(n * main_width)),
        pre(in.field(n * pre_width)),
        aux(in.field(4 * n * aux_width)),
        first(in.field(n)),
        last(in.field(n)),
        transition(in.field(n)),
        publics(in.field(public_count)),
        challenges(in.field(4 * challenge_count)),
        claimed(in.field(4)),
        gamma_powers(in.field(4 * roots.size())),
        z_inv(in.field(4)) {
    q.code = code.data();
    q.nodes = code.size() / 6;
    q.roots = roots.data();
    q.root_count = roots.size();
    q.height = n;
    q.next_offset = next_offset;
    q.main = main.data();
    q.main_width = main_width;
    q.pre = pre_width > 0 ? pre.data() : nullptr;
    q.pre_width = pre_width;
    q.aux = aux_width > 0 ? aux.data() : nullptr;
    q.aux_width = aux_width;
    q.first = first.data();
    q.last = last.data();
    q.transition = transition.data();
    q.publics = public_count > 0 ? publics.data() : nullptr;
    q.public_count = public_count;
    q.challenges = challenges.data();
    q.challenge_count = challenge_count;
    q.claimed_sum = claimed.data();
    q.gamma_powers = gamma_powers.data();
    q.z_inv = z_inv.data();
    q.period = 4;
  }

  // The quotient's accumulator, digested after `seed`.
  uint64_t evaluate(const char* what, uint64_t seed = FNV_OFFSET) const {
    Words acc(4 * q.height);
    require(evaluate_quotient(q, acc.data()), what);
    return digest(acc, seed);
  }
};

uint64_t quotient(int round) {
  Inputs in(11 + round);
  const size_t n = 1 << 12;
  const std::vector<int32_t> roots = {9, 17, 20, 23, 25};
  QuotientCase c(in, QUOTIENT_CODE, roots, n, 2, 3, 2, 2, 2, 2);
  const uint64_t h = c.evaluate("evaluate_quotient");
  // The same program's base-field roots on every row (the prover's LogUp interactions).
  const std::vector<int32_t> base_roots = {2, 11, 17, 22, 25};
  c.q.roots = base_roots.data();
  c.q.root_count = base_roots.size();
  c.q.period = 1;
  Words values(base_roots.size() * n);
  require(evaluate_roots(c.q, values.data()), "evaluate_roots");
  return digest(values, h);
}

// Eight interactions over 8 vectors in 3 groups, one ungrouped (spec: bus, value count, value vectors, multiplicity).
const std::vector<int32_t> LOGUP_SPEC = {1, 2, 0, 1, 7, 2, 1, 2, 6, 3, 3, 3, 4, 5, 7, 4, 2, 5, 6, 7, 5, 1, 0, 6, 6, 0, 7};
const std::vector<int32_t> LOGUP_GROUPS = {0, 1, 2, 0, -1, 1};

uint64_t logup_vectors(Inputs& in, size_t n, uint64_t h) {
  const size_t vectors = 8;
  Words values = in.field(vectors * n), challenges = in.field(4 * 4), out(4 * (n * 4 + 1)), claimed(4);
  LogupInputs spec{values.data(), vectors, n, LOGUP_SPEC.data(), LOGUP_SPEC.size(), LOGUP_GROUPS.size(), LOGUP_GROUPS.data(), 3,
                   challenges.data(), 4};
  require(logup_aux(spec, out.data(), claimed.data()) == 0, "logup_aux");
  return digest(out, digest(claimed, h));
}

uint64_t logup(int round) {
  Inputs in(12 + round);
  uint64_t h = logup_vectors(in, 1 << 11, FNV_OFFSET);
  // 70 groups: past the 63 the vector path holds, the scalar one.
  const size_t n = 1 << 9, vectors = 4, groups = 70;
  Words values = in.field(vectors * n), challenges = in.field(4 * 3), out(4 * (n * (groups + 1) + 1)), claimed(4);
  std::vector<int32_t> spec, group_of;
  for (size_t j = 0; j < groups; j++) {
    spec.insert(spec.end(), {int32_t(j + 1), 2, int32_t(j % vectors), int32_t((j + 1) % vectors), int32_t((j + 2) % vectors)});
    group_of.push_back(int32_t(j));
  }
  LogupInputs scalar{values.data(), vectors, n, spec.data(), spec.size(), groups, group_of.data(), groups, challenges.data(), 3};
  require(logup_aux(scalar, out.data(), claimed.data()) == 0, "logup_aux (scalar)");
  return digest(out, digest(claimed, h));
}

uint64_t grind(int round) {
  Inputs in(13 + round);
  Words key = in.field(8), challenge = in.field(8), sponge = in.field(16);
  sponge[9] = sponge[10] = 0;  // the draws' nonce slots
  const uint64_t limit = uint64_t{1} << 53;
  // 13 bits: about 8192 tries, past grind.cc's first 4096 tried alone, so the threads' slices run.
  uint64_t h = grind_blake3(key.data(), challenge.data(), 13, 0, limit);
  h = h * 1000003 + grind_poseidon2(sponge.data(), 13, 0, limit);
  const uint32_t thresholds[2] = {P >> 7, P >> 6};
  return h * 1000003 + grind_poseidon2_lanes(sponge.data(), thresholds, 2, 5, limit);
}

uint64_t deep(int round) {
  Inputs in(14 + round);
  const size_t n = 1 << 12, width = 20;
  Words m = in.field(n * width), coeffs = in.field(4 * width), combined(n * 8);
  combine_columns(m.data(), n, width, nullptr, width, coeffs.data(), combined.data(), 8, 4);
  uint64_t h = digest(combined);
  const std::vector<int32_t> cols = {3, 1, 4, 1, 5, 9, 2, 6};
  Words weights = in.field(4 * n), sums(4 * cols.size());
  weighted_column_sums(m.data(), n, width, cols.data(), cols.size(), weights.data(), sums.data());
  h = digest(sums, h);
  // The reduced quotient over 2^12 points: two committed matrices and one lifted term.
  Words lde1 = in.field(n * 5), lde2 = in.field(n * 3), c1 = in.field(20), c2 = in.field(12), c3 = in.field(4), lifted = in.field(n * 8),
        dens = in.field(32), claimed = in.field(8), q(4 * n);
  DeepTerm terms[3] = {{lde1.data(), 5, c1.data(), -1, 0}, {lde2.data(), 3, c2.data(), -1, 1}, {nullptr, 0, c3.data(), 1, 1}};
  reduced_quotient(12, SHIFT, terms, 3, lifted.data(), 8, dens.data(), 2, claimed.data(), q.data());
  return digest(q, h);
}

uint64_t fri_folding(int round) {
  Inputs in(15 + round);
  Words codeword = in.field(4 << 12), beta = in.field(4), out(4 << 9);
  fri_fold(codeword.data(), 12, SHIFT, beta.data(), 3, out.data());
  return digest(out);
}

uint64_t tensor_rows(int round) {
  Inputs in(16 + round);
  uint64_t h = FNV_OFFSET;
  // 600 columns: several chunks a row; 61 rows of 300: one chunk, rows not a multiple of the 8 lanes.
  for (const auto& [rows, cols] : {std::pair<uint32_t, uint32_t>{64, 600}, std::pair<uint32_t, uint32_t>{61, 300}}) {
    std::vector<uint16_t> values(size_t{rows} * cols);
    for (auto& v : values) v = static_cast<uint16_t>(in.next());
    const uint32_t chunks = tensor_row_chunks(cols);
    Words leaves(rows * 8), chunk_digests(chunks > 1 ? rows * chunks * 8 : 0);
    tensor_row_digests(values.data(), rows, cols, leaves.data(), chunks > 1 ? chunk_digests.data() : nullptr);
    h = digest(chunk_digests, digest(leaves, h));
  }
  return h;
}

// Heights that are not multiples of a kernel's batch or vector width: the threads' last chunks are ragged.
uint64_t ragged(int round) {
  Inputs in(17 + round);
  uint64_t h = logup_vectors(in, 2000 + 37, FNV_OFFSET);  // not a multiple of the lanes or of 256 rows
  {
    const size_t n = 3000;  // not a multiple of the interpreter's 32 rows
    const std::vector<int32_t> code = {Q_MAIN, 0, 0, 0, 0, 0, Q_MAIN, 0, 0, 0, 1, 1, Q_MUL, 0, 0, 1, 0, 0, Q_CHALLENGE, 1, 0, 0, 0, 0,
                                       Q_MUL,  1, 3, 2, 0, 0, Q_FIRST, 0, 0, 0, 0, 0, Q_ADD, 0, 5, 2, 0, 0};
    const std::vector<int32_t> roots = {4, 6};
    h = QuotientCase(in, code, roots, n, 3, 2, 0, 0, 0, 1).evaluate("evaluate_quotient (ragged)", h);
  }
  const size_t n = 4099, width = 30;  // odd height, a selection of columns with repeats
  const std::vector<int32_t> cols = {29, 0, 7, 7, 13, 2, 5, 11, 17, 19, 23, 1, 3, 4, 6, 8, 9};
  Words m = in.field(n * width), coeffs = in.field(4 * cols.size()), out(n * 4);
  combine_columns(m.data(), n, width, cols.data(), cols.size(), coeffs.data(), out.data(), 4, 0);
  return digest(out, h);
}

// The CUDA library's one-time load (a missing library here: the refusal is cached and shared) and the SIMD version
// switch, both process-wide state. Reselecting the version this run started with changes nothing a kernel computes,
// but the store meets every other thread's read of the version table (the torn switch of 8ade7da).
uint64_t shared_switches(int) {
  std::string error;
  const CudaApi* api = load_cuda("/nonexistent/zpol_cuda.so", &error);
  const char* cap = std::getenv("ZPOL_SIMD");
  const std::string level = simd_level();
  require(level == simd_select(cap ? cap : ""), "simd_select");
  const uint64_t message = digest(reinterpret_cast<const uint32_t*>(error.data()), error.size() / 4);
  return message + uint64_t(api != nullptr) * 3 + uint64_t(cuda_api() != nullptr);
}

struct Check {
  const char* name;
  uint64_t (*run)(int round);
};

// The fresh-size checks first: every stress thread starts a round with them.
constexpr size_t FRESH_CHECKS = 2;
const Check CHECKS[] = {
    {"fresh-ntt", fresh_ntt},
    {"fresh-lde", fresh_lde},
    {"ntt-narrow", ntt_narrow},
    {"ntt-wide", ntt_wide},
    {"ntt-very-wide", ntt_very_wide},
    {"bit-reversal", bit_reversal},
    {"lde", lde},
    {"lde-randomized", lde_randomized},
    {"blake3-merkle", blake3_merkle},
    {"keyed-stream", keyed_stream},
    {"poseidon2-merkle", poseidon2_merkle},
    {"quotient", quotient},
    {"logup", logup},
    {"grind", grind},
    {"deep", deep},
    {"fri-fold", fri_folding},
    {"tensor-rows", tensor_rows},
    {"ragged", ragged},
    {"shared-switches", shared_switches},
};
constexpr size_t CHECK_COUNT = sizeof(CHECKS) / sizeof(CHECKS[0]);

// Holds each thread until all have arrived, then releases them together (std::barrier is C++20; the addon is C++17).
class StartLine {
 public:
  explicit StartLine(size_t threads) : threads_(threads) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock(m_);
    const size_t round = round_;
    if (++arrived_ == threads_) {
      arrived_ = 0;
      round_++;
      released_.notify_all();
    } else {
      released_.wait(lock, [&] { return round_ != round; });
    }
  }

 private:
  std::mutex m_;
  std::condition_variable released_;
  const size_t threads_;
  size_t arrived_ = 0, round_ = 0;
};

int write_reference(const char* path, int rounds) {
  FILE* f = std::fopen(path, "w");
  if (f == nullptr) return std::perror(path), 2;
  for (int r = 0; r < rounds; r++)
    for (const Check& check : CHECKS) std::fprintf(f, "%d %s %llu\n", r, check.name, static_cast<unsigned long long>(check.run(r)));
  std::fclose(f);
  std::printf("reference: %d rounds x %zu checks, 1 thread, simd %s, kernel threads %zu\n", rounds, CHECK_COUNT, simd_level(),
              kernel_threads());
  return 0;
}

int stress(const char* reference_path, int rounds, size_t thread_count) {
  std::map<std::string, uint64_t> reference;  // "round name" -> digest
  FILE* f = std::fopen(reference_path, "r");
  if (f == nullptr) return std::perror(reference_path), 2;
  int r;
  char name[64];
  unsigned long long h;
  while (std::fscanf(f, "%d %63s %llu", &r, name, &h) == 3) reference[std::to_string(r) + " " + name] = h;
  std::fclose(f);
  std::vector<uint64_t> expected(rounds * CHECK_COUNT);
  for (r = 0; r < rounds; r++)
    for (size_t k = 0; k < CHECK_COUNT; k++) {
      const auto it = reference.find(std::to_string(r) + " " + CHECKS[k].name);
      if (it == reference.end()) return std::fprintf(stderr, "threads: %s has no round %d of %s\n", reference_path, r, CHECKS[k].name), 2;
      expected[r * CHECK_COUNT + k] = it->second;
    }

  StartLine start(thread_count);
  std::atomic<int> mismatches{0};
  std::atomic<long> checks{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < thread_count; t++) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < rounds; round++) {
        start.arrive_and_wait();
        // All threads ask for the round's fresh sizes at once (half of them LDE first), then run the other checks
        // in an order rotated per thread and round, so different kernels overlap each round.
        std::vector<size_t> order = {0, 1};
        if (t % 2 == 1) std::swap(order[0], order[1]);
        const size_t repeated = CHECK_COUNT - FRESH_CHECKS;
        for (size_t j = 0; j < repeated; j++) order.push_back(FRESH_CHECKS + (j + t + round) % repeated);
        for (size_t k : order) {
          const uint64_t got = CHECKS[k].run(round), want = expected[round * CHECK_COUNT + k];
          checks++;
          if (got == want) continue;
          mismatches++;
          std::fprintf(stderr, "MISMATCH thread %zu round %d %s: %llu, reference %llu\n", t, round, CHECKS[k].name,
                       static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::printf("stress: %zu threads x %d rounds, %ld checks, %d mismatches, simd %s, kernel threads %zu\n", thread_count, rounds,
              checks.load(), mismatches.load(), simd_level(), kernel_threads());
  return mismatches ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Line by line: a TSan build that warned exits (66) from its own hook, past stdio's flush of a full buffer.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "simd" && argc == 2) return std::printf("%s\n", simd_level()), 0;
  if (mode == "reference" && argc == 4) return write_reference(argv[2], std::atoi(argv[3]));
  if (mode == "stress" && argc == 5 && std::atoi(argv[3]) > 0 && std::atoi(argv[4]) > 0)
    return stress(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  std::fprintf(stderr, "usage: threads simd | reference FILE ROUNDS | stress FILE ROUNDS THREADS\n");
  return 2;
}
