// The constraint quotient of runtime/proof/stark/prover.ts `quotient`, shared by the native kernels
// (gpu/native/quotient.cc) and the CUDA ones (gpu/cuda/quotient.cu): for every point x of the quotient domain,
// acc(x) = Z_H(x)^-1 * sum_j gamma^j * C_j(x), the constraints given as the bytecode of air/eval.ts
// `compileConstraints` (6 words per node: op, ext, a, b, k, next). Values in the quartic extension are 4 words.
//
// The interpreter runs the bytecode over B consecutive rows at once: each node once per batch, over a vector of B
// values per extension coordinate. The CPU uses B = 32 (the dispatch paid once per batch, the arithmetic loops
// vectorised); a GPU thread uses B = 1. Every result is the canonical field element, the same as extension.ts.
#pragma once
#include <cstddef>
#include "extension.h"

namespace zpol {

enum QuotientOp { Q_CONST = 0, Q_MAIN, Q_PRE, Q_AUX, Q_PUBLIC, Q_CHALLENGE, Q_CLAIMED_SUM, Q_FIRST, Q_LAST, Q_TRANSITION, Q_NEG, Q_ADD, Q_SUB, Q_MUL };

struct QuotientInputs {
  const int32_t* code;  // 6 words per node: op, ext, a, b, k, next
  size_t nodes;
  const int32_t* roots;
  size_t root_count;
  size_t height;       // N, the quotient domain's size
  size_t next_offset;  // rows between a point and its successor
  const uint32_t* main;
  size_t main_width;
  const uint32_t* pre;  // or null
  size_t pre_width;
  const uint32_t* aux;  // or null; 4 words per element
  size_t aux_width;     // in extension elements
  const uint32_t* first;
  const uint32_t* last;
  const uint32_t* transition;
  const uint32_t* publics;
  size_t public_count;
  const uint32_t* challenges;  // 4 words each
  size_t challenge_count;
  const uint32_t* claimed_sum;  // 4 words
  const uint32_t* gamma_powers;  // 4 words per root
  const uint32_t* z_inv;
  size_t period;
};

/** Whether the bytecode only reads what the inputs hold (operands before their node, columns in range). */
ZPOL_HD bool quotient_valid(const QuotientInputs& in) {
  for (size_t id = 0; id < in.nodes; id++) {
    const int32_t* r = in.code + 6 * id;
    const int32_t op = r[0], a = r[2], b = r[3], k = r[4];
    if (op < Q_CONST || op > Q_MUL) return false;
    if (op >= Q_NEG && (a < 0 || static_cast<size_t>(a) >= id)) return false;
    if (op >= Q_ADD && (b < 0 || static_cast<size_t>(b) >= id)) return false;
    if (op == Q_MAIN && (k < 0 || static_cast<size_t>(k) >= in.main_width)) return false;
    if (op == Q_PRE && (!in.pre || k < 0 || static_cast<size_t>(k) >= in.pre_width)) return false;
    if (op == Q_AUX && (!in.aux || k < 0 || static_cast<size_t>(k) >= in.aux_width)) return false;
    if (op == Q_CHALLENGE && (k < 0 || static_cast<size_t>(k) >= in.challenge_count)) return false;
    if (op == Q_CONST && (k < 0 || static_cast<uint32_t>(k) >= P)) return false;
  }
  for (size_t j = 0; j < in.root_count; j++) {
    if (in.roots[j] < 0 || static_cast<size_t>(in.roots[j]) >= in.nodes) return false;
  }
  return in.period > 0 && in.height % in.period == 0;
}

/**
 * Node id's values live at reg + off[id]: B words for a base node, 4 B (one run per coordinate) for an extension
 * node. Fills off (nodes entries) and returns the register words a batch needs.
 */
ZPOL_HD size_t quotient_offsets(const QuotientInputs& in, size_t batch, size_t* off) {
  size_t total = 0;
  for (size_t id = 0; id < in.nodes; id++) {
    off[id] = total;
    total += (in.code[6 * id + 1] ? 4 : 1) * batch;
  }
  return total;
}

/**
 * The interpreter's arithmetic on runs of len values (len <= B; an extension operand is 4 runs of B words, one per
 * coordinate): these portable loops (the GPU's, B = 1), or the CPU's vectorised ones (gpu/native/quotient.cc), which
 * must give the same canonical elements.
 */
struct QuotientScalarOps {
  static ZPOL_HD void add_run(uint32_t* o, const uint32_t* x, const uint32_t* y, size_t len) {
    for (size_t t = 0; t < len; t++) o[t] = add(x[t], y[t]);
  }
  static ZPOL_HD void sub_run(uint32_t* o, const uint32_t* x, const uint32_t* y, size_t len) {
    for (size_t t = 0; t < len; t++) o[t] = sub(x[t], y[t]);
  }
  /** o = x y, base runs. */
  static ZPOL_HD void mul_run(uint32_t* o, const uint32_t* x, const uint32_t* y, size_t len) {
    for (size_t t = 0; t < len; t++) o[t] = mulf(x[t], y[t]);
  }
  /** s += x·g, g in Montgomery form (a base root's term in one coordinate of γ^j). */
  static ZPOL_HD void scale_add_run(uint32_t* s, const uint32_t* x, uint32_t g_mont, size_t len) {
    for (size_t t = 0; t < len; t++) s[t] = add(s[t], mul_mont(x[t], g_mont));
  }
  /** out = e f: e an extension vector, f a base run. */
  template <size_t B>
  static ZPOL_HD void mul_ext_base(const uint32_t* e, const uint32_t* f, uint32_t* out, size_t len) {
    for (int c = 0; c < 4; c++)
      for (size_t t = 0; t < len; t++) out[c * B + t] = mulf(e[c * B + t], f[t]);
  }
  /** out = a b for extension vectors a, b. */
  template <size_t B>
  static ZPOL_HD void mul_ext(const uint32_t* a, const uint32_t* b, uint32_t* out, size_t len) {
    for (size_t t = 0; t < len; t++) {
      const Ext r = ext_mul(Ext{{a[t], a[B + t], a[2 * B + t], a[3 * B + t]}}, Ext{{b[t], b[B + t], b[2 * B + t], b[3 * B + t]}});
      for (int c = 0; c < 4; c++) out[c * B + t] = r.c[c];
    }
  }
  /** out = g v: g one extension element, v an extension vector. */
  template <size_t B>
  static ZPOL_HD void mul_ext_by(const Ext& g, const uint32_t* v, uint32_t* out, size_t len) {
    for (size_t t = 0; t < len; t++) {
      const Ext r = ext_mul(g, Ext{{v[t], v[B + t], v[2 * B + t], v[3 * B + t]}});
      for (int c = 0; c < 4; c++) out[c * B + t] = r.c[c];
    }
  }
};

/**
 * Node id's values for the rows i in [i0, i0 + len), len <= B, into reg + off[id], its operands read at reg + off[a]
 * and reg + off[b]. The offsets need not be distinct: the CPU points equal nodes at one register
 * (gpu/native/quotient.cc).
 */
template <size_t B, class Ops = QuotientScalarOps>
ZPOL_HD void quotient_node(const QuotientInputs& in, size_t id, size_t i0, size_t len, const size_t* off, uint32_t* reg) {
  const size_t N = in.height;
  {
    const int32_t* r = in.code + 6 * id;
    const bool ext = r[1] != 0;
    uint32_t* out = reg + off[id];
    const size_t shift = r[5] ? in.next_offset : 0;
    const size_t k = static_cast<size_t>(r[4]);
    switch (r[0]) {
      case Q_CONST:
        for (size_t t = 0; t < len; t++) out[t] = static_cast<uint32_t>(r[4]);
        break;
      case Q_MAIN:
      case Q_PRE: {
        const uint32_t* m = r[0] == Q_MAIN ? in.main : in.pre;
        const size_t w = r[0] == Q_MAIN ? in.main_width : in.pre_width;
        for (size_t t = 0; t < len; t++) {
          const size_t x = i0 + t + shift;
          out[t] = m[(x >= N ? x - N : x) * w + k];
        }
        break;
      }
      case Q_AUX:
        for (size_t t = 0; t < len; t++) {
          const size_t x = i0 + t + shift;
          const uint32_t* e = in.aux + 4 * ((x >= N ? x - N : x) * in.aux_width + k);
          for (int c = 0; c < 4; c++) out[c * B + t] = e[c];
        }
        break;
      case Q_PUBLIC: {
        const uint32_t v = k < in.public_count ? in.publics[k] : 0;
        for (size_t t = 0; t < len; t++) out[t] = v;
        break;
      }
      case Q_CHALLENGE:
      case Q_CLAIMED_SUM: {
        const uint32_t* e = r[0] == Q_CHALLENGE ? in.challenges + 4 * k : in.claimed_sum;
        for (int c = 0; c < 4; c++)
          for (size_t t = 0; t < len; t++) out[c * B + t] = e[c];
        break;
      }
      case Q_FIRST:
      case Q_LAST:
      case Q_TRANSITION: {
        const uint32_t* sel = r[0] == Q_FIRST ? in.first : r[0] == Q_LAST ? in.last : in.transition;
        for (size_t t = 0; t < len; t++) out[t] = sel[i0 + t];
        break;
      }
      case Q_NEG: {
        const uint32_t* a = reg + off[r[2]];
        for (int c = 0; c < (ext ? 4 : 1); c++)
          for (size_t t = 0; t < len; t++) out[c * B + t] = neg(a[c * B + t]);
        break;
      }
      case Q_ADD:
      case Q_SUB: {
        const bool ea = in.code[6 * r[2] + 1] != 0, eb = in.code[6 * r[3] + 1] != 0;
        const uint32_t* a = reg + off[r[2]];
        const uint32_t* b = reg + off[r[3]];
        const bool is_add = r[0] == Q_ADD;
        for (int c = 0; c < (ext ? 4 : 1); c++) {
          const bool ha = ea || c == 0, hb = eb || c == 0;  // a base operand is 0 beyond coordinate 0
          uint32_t* o = out + c * B;
          const uint32_t* x = a + c * B;
          const uint32_t* y = b + c * B;
          if (ha && hb) {
            if (is_add) Ops::add_run(o, x, y, len);
            else Ops::sub_run(o, x, y, len);
          } else if (ha) {
            for (size_t t = 0; t < len; t++) o[t] = x[t];
          } else if (hb) {
            if (is_add) for (size_t t = 0; t < len; t++) o[t] = y[t];
            else for (size_t t = 0; t < len; t++) o[t] = neg(y[t]);
          } else {
            for (size_t t = 0; t < len; t++) o[t] = 0;
          }
        }
        break;
      }
      case Q_MUL: {
        const bool ea = in.code[6 * r[2] + 1] != 0, eb = in.code[6 * r[3] + 1] != 0;
        const uint32_t* a = reg + off[r[2]];
        const uint32_t* b = reg + off[r[3]];
        if (ea && eb) {
          Ops::template mul_ext<B>(a, b, out, len);
        } else if (ea || eb) {
          Ops::template mul_ext_base<B>(ea ? a : b, ea ? b : a, out, len);
        } else {
          Ops::mul_run(out, a, b, len);
        }
        break;
      }
    }
  }
}

/**
 * Every node's values for the rows i in [i0, i0 + len), len <= B: the bytecode run once over the batch, into reg
 * (quotient_offsets' total words; node id's at reg + off[id]).
 */
template <size_t B, class Ops = QuotientScalarOps>
ZPOL_HD void quotient_nodes(const QuotientInputs& in, size_t i0, size_t len, const size_t* off, uint32_t* reg) {
  for (size_t id = 0; id < in.nodes; id++) quotient_node<B, Ops>(in, id, i0, len, off, reg);
}

/**
 * acc[4 i .. 4 i + 4) for the rows i in [i0, i0 + len), len <= B, from the nodes' values in reg: the roots combined
 * with γ's powers and divided by Z_H. scratch holds 8 B words.
 */
template <size_t B, class Ops = QuotientScalarOps>
ZPOL_HD void quotient_combine(const QuotientInputs& in, size_t i0, size_t len, const size_t* off, const uint32_t* reg, uint32_t* scratch, uint32_t* acc) {
  uint32_t* term = scratch;
  uint32_t* sum = scratch + 4 * B;
  for (size_t t = 0; t < 4 * B; t++) sum[t] = 0;
  for (size_t j = 0; j < in.root_count; j++) {
    const int32_t id = in.roots[j];
    const uint32_t* v = reg + off[id];
    const Ext g = ext_load(in.gamma_powers + 4 * j);
    if (in.code[6 * id + 1]) {
      Ops::template mul_ext_by<B>(g, v, term, len);
      for (int c = 0; c < 4; c++) Ops::add_run(sum + c * B, sum + c * B, term + c * B, len);
    } else {
      for (int c = 0; c < 4; c++) Ops::scale_add_run(sum + c * B, v, to_mont(g.c[c]), len);
    }
  }
  for (size_t t = 0; t < len; t++) {
    const uint32_t z = in.z_inv[(i0 + t) % in.period];
    for (int c = 0; c < 4; c++) acc[4 * (i0 + t) + c] = mulf(sum[c * B + t], z);
  }
}

/**
 * acc[4 i .. 4 i + 4) for the rows i in [i0, i0 + len), len <= B: the nodes (quotient_nodes), then the roots
 * combined (quotient_combine). reg holds the registers, scratch 8 B words.
 */
template <size_t B, class Ops = QuotientScalarOps>
ZPOL_HD void quotient_batch(const QuotientInputs& in, size_t i0, size_t len, const size_t* off, uint32_t* reg, uint32_t* scratch, uint32_t* acc) {
  quotient_nodes<B, Ops>(in, i0, len, off, reg);
  quotient_combine<B, Ops>(in, i0, len, off, reg, scratch, acc);
}

}  // namespace zpol
