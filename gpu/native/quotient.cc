#include "quotient.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "../device/babybear.h"
#include "parallel.h"

namespace zpol {
namespace {

constexpr uint32_t W = 11;  // X^4 = W

enum Op { CONST = 0, MAIN, PRE, AUX, PUBLIC, CHALLENGE, CLAIMED_SUM, FIRST, LAST, TRANSITION, NEG, ADD, SUB, MUL };

inline uint32_t neg(uint32_t a) { return a == 0 ? 0 : P - a; }

bool valid(const QuotientInputs& in) {
  for (size_t id = 0; id < in.nodes; id++) {
    const int32_t* r = in.code + 6 * id;
    int32_t op = r[0], a = r[2], b = r[3], k = r[4];
    if (op < CONST || op > MUL) return false;
    if (op >= NEG && (a < 0 || static_cast<size_t>(a) >= id)) return false;
    if (op >= ADD && (b < 0 || static_cast<size_t>(b) >= id)) return false;
    if (op == MAIN && (k < 0 || static_cast<size_t>(k) >= in.main_width)) return false;
    if (op == PRE && (!in.pre || k < 0 || static_cast<size_t>(k) >= in.pre_width)) return false;
    if (op == AUX && (!in.aux || k < 0 || static_cast<size_t>(k) >= in.aux_width)) return false;
    if (op == CHALLENGE && (k < 0 || static_cast<size_t>(k) >= in.challenge_count)) return false;
    if (op == CONST && (k < 0 || static_cast<uint32_t>(k) >= P)) return false;
  }
  for (size_t j = 0; j < in.root_count; j++) {
    if (in.roots[j] < 0 || static_cast<size_t>(in.roots[j]) >= in.nodes) return false;
  }
  return in.period > 0 && in.height % in.period == 0;
}

// Rows are evaluated BATCH at a time (issue #18): each node of the bytecode runs once per batch, over a vector of
// BATCH values per extension coordinate, so the dispatch is paid once per batch and the arithmetic loops vectorise.
// Products use Montgomery multiplication twice (x·y/R, then ·R²/R), which vectorises where a 64-bit remainder does
// not; every result is the canonical field element, the same as extension.ts.
constexpr size_t BATCH = 32;
const uint32_t R2 = to_mont(to_mont(1));     // R² mod p
const uint32_t W_MONT = to_mont(W);

inline uint32_t mulf(uint32_t a, uint32_t b) { return mul_mont(mul_mont(a, b), R2); }

// out[c·BATCH + t] = (a · b)[c] for extension vectors a, b (4 coordinates of BATCH values each).
void ext_mul_v(const uint32_t* a, const uint32_t* b, uint32_t* out, size_t len) {
  const uint32_t *a0 = a, *a1 = a + BATCH, *a2 = a + 2 * BATCH, *a3 = a + 3 * BATCH;
  const uint32_t *b0 = b, *b1 = b + BATCH, *b2 = b + 2 * BATCH, *b3 = b + 3 * BATCH;
  for (size_t t = 0; t < len; t++) {
    // Products divided by R; sums of them; the W terms; one final ·R²/R each.
    auto m = [](uint32_t x, uint32_t y) { return mul_mont(x, y); };
    const uint32_t w0 = mul_mont(add(add(m(a1[t], b3[t]), m(a2[t], b2[t])), m(a3[t], b1[t])), W_MONT);
    const uint32_t w1 = mul_mont(add(m(a2[t], b3[t]), m(a3[t], b2[t])), W_MONT);
    const uint32_t w2 = mul_mont(m(a3[t], b3[t]), W_MONT);
    const uint32_t c0 = add(m(a0[t], b0[t]), w0);
    const uint32_t c1 = add(add(m(a0[t], b1[t]), m(a1[t], b0[t])), w1);
    const uint32_t c2 = add(add(add(m(a0[t], b2[t]), m(a1[t], b1[t])), m(a2[t], b0[t])), w2);
    const uint32_t c3 = add(add(add(m(a0[t], b3[t]), m(a1[t], b2[t])), m(a2[t], b1[t])), m(a3[t], b0[t]));
    out[t] = mul_mont(c0, R2);
    out[BATCH + t] = mul_mont(c1, R2);
    out[2 * BATCH + t] = mul_mont(c2, R2);
    out[3 * BATCH + t] = mul_mont(c3, R2);
  }
}

void rows(const QuotientInputs& in, size_t begin, size_t end, uint32_t* acc) {
  // Node id's values at reg + off[id]: BATCH words for a base node, 4·BATCH (one run per coordinate) for an
  // extension node.
  std::vector<size_t> off(in.nodes);
  size_t total = 0;
  for (size_t id = 0; id < in.nodes; id++) {
    off[id] = total;
    total += (in.code[6 * id + 1] ? 4 : 1) * BATCH;
  }
  std::vector<uint32_t> reg(total);
  std::vector<uint32_t> gamma(4 * BATCH), term(4 * BATCH), sum(4 * BATCH);
  const size_t N = in.height;
  for (size_t i0 = begin; i0 < end; i0 += BATCH) {
    const size_t len = std::min(BATCH, end - i0);
    for (size_t id = 0; id < in.nodes; id++) {
      const int32_t* r = in.code + 6 * id;
      const bool ext = r[1] != 0;
      uint32_t* out = reg.data() + off[id];
      const size_t shift = r[5] ? in.next_offset : 0;
      auto row = [&](size_t t) {
        size_t x = i0 + t + shift;
        return x >= N ? x - N : x;
      };
      switch (r[0]) {
        case CONST:
          std::fill(out, out + len, static_cast<uint32_t>(r[4]));
          break;
        case MAIN:
          for (size_t t = 0; t < len; t++) out[t] = in.main[row(t) * in.main_width + r[4]];
          break;
        case PRE:
          for (size_t t = 0; t < len; t++) out[t] = in.pre[row(t) * in.pre_width + r[4]];
          break;
        case AUX:
          for (size_t t = 0; t < len; t++) {
            const uint32_t* e = in.aux + 4 * (row(t) * in.aux_width + r[4]);
            for (int c = 0; c < 4; c++) out[c * BATCH + t] = e[c];
          }
          break;
        case PUBLIC:
          std::fill(out, out + len, static_cast<size_t>(r[4]) < in.public_count ? in.publics[r[4]] : 0);
          break;
        case CHALLENGE:
        case CLAIMED_SUM: {
          const uint32_t* e = r[0] == CHALLENGE ? in.challenges + 4 * r[4] : in.claimed_sum;
          for (int c = 0; c < 4; c++) std::fill(out + c * BATCH, out + c * BATCH + len, e[c]);
          break;
        }
        case FIRST:
        case LAST:
        case TRANSITION: {
          const uint32_t* sel = r[0] == FIRST ? in.first : r[0] == LAST ? in.last : in.transition;
          std::memcpy(out, sel + i0, len * 4);
          break;
        }
        case NEG: {
          const uint32_t* a = reg.data() + off[r[2]];
          for (int c = 0; c < (ext ? 4 : 1); c++) {
            for (size_t t = 0; t < len; t++) out[c * BATCH + t] = neg(a[c * BATCH + t]);
          }
          break;
        }
        case ADD:
        case SUB: {
          const bool ea = in.code[6 * r[2] + 1] != 0, eb = in.code[6 * r[3] + 1] != 0;
          const uint32_t* a = reg.data() + off[r[2]];
          const uint32_t* b = reg.data() + off[r[3]];
          for (int c = 0; c < (ext ? 4 : 1); c++) {
            const bool ha = ea || c == 0, hb = eb || c == 0;  // a base operand is 0 beyond coordinate 0
            uint32_t* o = out + c * BATCH;
            const uint32_t* x = a + c * BATCH;
            const uint32_t* y = b + c * BATCH;
            if (ha && hb) {
              if (r[0] == ADD) for (size_t t = 0; t < len; t++) o[t] = add(x[t], y[t]);
              else for (size_t t = 0; t < len; t++) o[t] = sub(x[t], y[t]);
            } else if (ha) {
              std::memcpy(o, x, len * 4);
            } else if (hb) {
              if (r[0] == ADD) std::memcpy(o, y, len * 4);
              else for (size_t t = 0; t < len; t++) o[t] = neg(y[t]);
            } else {
              std::fill(o, o + len, 0u);
            }
          }
          break;
        }
        case MUL: {
          const bool ea = in.code[6 * r[2] + 1] != 0, eb = in.code[6 * r[3] + 1] != 0;
          const uint32_t* a = reg.data() + off[r[2]];
          const uint32_t* b = reg.data() + off[r[3]];
          if (ea && eb) {
            ext_mul_v(a, b, out, len);
          } else if (ea || eb) {
            const uint32_t* e = ea ? a : b;
            const uint32_t* f = ea ? b : a;
            for (int c = 0; c < 4; c++) {
              for (size_t t = 0; t < len; t++) out[c * BATCH + t] = mulf(e[c * BATCH + t], f[t]);
            }
          } else {
            for (size_t t = 0; t < len; t++) out[t] = mulf(a[t], b[t]);
          }
          break;
        }
      }
    }
    std::fill(sum.begin(), sum.end(), 0u);
    for (size_t j = 0; j < in.root_count; j++) {
      const int32_t id = in.roots[j];
      const uint32_t* v = reg.data() + off[id];
      const uint32_t* g = in.gamma_powers + 4 * j;
      if (in.code[6 * id + 1]) {
        for (int c = 0; c < 4; c++) std::fill(gamma.begin() + c * BATCH, gamma.begin() + c * BATCH + len, g[c]);
        ext_mul_v(gamma.data(), v, term.data(), len);
      } else {
        for (int c = 0; c < 4; c++) {
          const uint32_t gm = to_mont(g[c]);
          for (size_t t = 0; t < len; t++) term[c * BATCH + t] = mul_mont(v[t], gm);
        }
      }
      for (int c = 0; c < 4; c++) {
        for (size_t t = 0; t < len; t++) sum[c * BATCH + t] = add(sum[c * BATCH + t], term[c * BATCH + t]);
      }
    }
    for (size_t t = 0; t < len; t++) {
      const uint32_t z = in.z_inv[(i0 + t) % in.period];
      for (int c = 0; c < 4; c++) acc[4 * (i0 + t) + c] = mulf(sum[c * BATCH + t], z);
    }
  }
}

}  // namespace

bool evaluate_quotient(const QuotientInputs& in, uint32_t* acc) {
  if (!valid(in)) return false;
  parallel_for(in.height, in.height * in.nodes, size_t{1} << 14, [&](size_t begin, size_t end) { rows(in, begin, end, acc); });
  return true;
}

}  // namespace zpol
