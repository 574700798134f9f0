#include "quotient.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "babybear.h"

namespace zpol {
namespace {

constexpr uint32_t W = 11;  // X^4 = W

enum Op { CONST = 0, MAIN, PRE, AUX, PUBLIC, CHALLENGE, CLAIMED_SUM, FIRST, LAST, TRANSITION, NEG, ADD, SUB, MUL };

inline uint32_t neg(uint32_t a) { return a == 0 ? 0 : P - a; }

// (a0 + a1 X + a2 X^2 + a3 X^3)(b0 + ...) mod X^4 - W: the same field element as extension.ts `mul`.
inline void ext_mul(const uint32_t* a, const uint32_t* b, uint32_t* out) {
  auto m = [](uint32_t x, uint32_t y) { return static_cast<uint64_t>(x) * y; };
  // Each sum of up to 4 products < 4 p^2 < 2^64; reduce once.
  uint64_t c0 = (m(a[0], b[0]) + static_cast<uint64_t>(W) * ((m(a[1], b[3]) + m(a[2], b[2]) + m(a[3], b[1])) % P)) % P;
  uint64_t c1 = (m(a[0], b[1]) + m(a[1], b[0]) + static_cast<uint64_t>(W) * ((m(a[2], b[3]) + m(a[3], b[2])) % P)) % P;
  uint64_t c2 = (m(a[0], b[2]) + m(a[1], b[1]) + m(a[2], b[0]) + static_cast<uint64_t>(W) * (m(a[3], b[3]) % P)) % P;
  uint64_t c3 = (m(a[0], b[3]) + m(a[1], b[2]) + m(a[2], b[1]) + m(a[3], b[0])) % P;
  out[0] = static_cast<uint32_t>(c0);
  out[1] = static_cast<uint32_t>(c1);
  out[2] = static_cast<uint32_t>(c2);
  out[3] = static_cast<uint32_t>(c3);
}

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

void rows(const QuotientInputs& in, size_t begin, size_t end, uint32_t* acc) {
  std::vector<uint32_t> reg(4 * in.nodes);
  const size_t N = in.height;
  for (size_t i = begin; i < end; i++) {
    for (size_t id = 0; id < in.nodes; id++) {
      const int32_t* r = in.code + 6 * id;
      const bool ext = r[1] != 0;
      uint32_t* out = reg.data() + 4 * id;
      size_t row = r[5] ? (i + in.next_offset) % N : i;
      switch (r[0]) {
        case CONST: out[0] = static_cast<uint32_t>(r[4]); break;
        case MAIN: out[0] = in.main[row * in.main_width + r[4]]; break;
        case PRE: out[0] = in.pre[row * in.pre_width + r[4]]; break;
        case AUX: std::memcpy(out, in.aux + 4 * (row * in.aux_width + r[4]), 16); break;
        case PUBLIC: out[0] = static_cast<size_t>(r[4]) < in.public_count ? in.publics[r[4]] : 0; break;
        case CHALLENGE: std::memcpy(out, in.challenges + 4 * r[4], 16); break;
        case CLAIMED_SUM: std::memcpy(out, in.claimed_sum, 16); break;
        case FIRST: out[0] = in.first[i]; break;
        case LAST: out[0] = in.last[i]; break;
        case TRANSITION: out[0] = in.transition[i]; break;
        case NEG: {
          const uint32_t* a = reg.data() + 4 * r[2];
          for (int c = 0; c < (ext ? 4 : 1); c++) out[c] = neg(a[c]);
          break;
        }
        case ADD:
        case SUB: {
          const int32_t* ra = in.code + 6 * r[2];
          const int32_t* rb = in.code + 6 * r[3];
          const uint32_t* a = reg.data() + 4 * r[2];
          const uint32_t* b = reg.data() + 4 * r[3];
          for (int c = 0; c < (ext ? 4 : 1); c++) {
            uint32_t x = (ra[1] || c == 0) ? a[c] : 0;
            uint32_t y = (rb[1] || c == 0) ? b[c] : 0;
            out[c] = r[0] == ADD ? add(x, y) : sub(x, y);
          }
          break;
        }
        case MUL: {
          const bool ea = in.code[6 * r[2] + 1] != 0, eb = in.code[6 * r[3] + 1] != 0;
          const uint32_t* a = reg.data() + 4 * r[2];
          const uint32_t* b = reg.data() + 4 * r[3];
          if (ea && eb) {
            uint32_t t[4];
            ext_mul(a, b, t);
            std::memcpy(out, t, 16);
          } else if (ea) {
            for (int c = 0; c < 4; c++) out[c] = mul(a[c], b[0]);
          } else if (eb) {
            for (int c = 0; c < 4; c++) out[c] = mul(a[0], b[c]);
          } else {
            out[0] = mul(a[0], b[0]);
          }
          break;
        }
      }
    }
    uint32_t sum[4] = {0, 0, 0, 0};
    for (size_t j = 0; j < in.root_count; j++) {
      const int32_t id = in.roots[j];
      const uint32_t* v = reg.data() + 4 * id;
      const uint32_t* g = in.gamma_powers + 4 * j;
      uint32_t t[4];
      if (in.code[6 * id + 1]) ext_mul(g, v, t);
      else for (int c = 0; c < 4; c++) t[c] = mul(g[c], v[0]);
      for (int c = 0; c < 4; c++) sum[c] = add(sum[c], t[c]);
    }
    const uint32_t z = in.z_inv[i % in.period];
    for (int c = 0; c < 4; c++) acc[4 * i + c] = mul(sum[c], z);
  }
}

}  // namespace

bool evaluate_quotient(const QuotientInputs& in, uint32_t* acc) {
  if (!valid(in)) return false;
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 16);
  if (in.height * in.nodes < (size_t{1} << 14)) threads = 1;
  threads = std::min(threads, in.height);
  std::vector<std::thread> pool;
  size_t chunk = (in.height + threads - 1) / threads;
  for (size_t t = 1; t < threads; t++) {
    size_t b = t * chunk, e = std::min(in.height, b + chunk);
    if (b < e) pool.emplace_back(rows, std::cref(in), b, e, acc);
  }
  rows(in, 0, std::min(in.height, chunk), acc);
  for (auto& th : pool) th.join();
  return true;
}

}  // namespace zpol
