// BabyBear arithmetic on x86 vector registers, for the native kernels' run-time chosen versions (simd.cc's NTT
// butterflies, quotient.cc's constraint interpreter): 16 lanes with AVX-512 (V512), 8 with AVX2 (V256). Every
// operation returns the canonical element, as the scalar functions of gpu/device/babybear.h do, so the bits never
// depend on which version ran.
//
// The Montgomery product mont(x, t) = x·t·2^-32 mod p (x, t canonical): prod = x·t as 64-bit lanes (even and odd
// 32-bit lanes separately), q = lo32(prod)·p^-1 mod 2^32, then prod − q·p ≡ 0 mod 2^32 and
// hi32(prod) − hi32(q·p) = x·t·2^-32 mod p in (−p, p): add p when negative.
#pragma once
#if defined(__x86_64__) || defined(__i386__)
#include "x86-intrin.h"

#include <cstddef>
#include <cstdint>

#include "../device/extension.h"
#define ZPOL_X86 1

// The product of extension elements lane by lane (4 coordinates of a vector each): ext_mul's schoolbook sum of
// Montgomery products, X^4 = W folded in, then one R² product a coordinate (gpu/device/extension.h).
#define ZPOL_EXT_PRODUCT(V)                                                                                          \
  const T w = V::set1(EXT_W_MONT), r2 = V::set1(MONT_R2);                                                            \
  const T w0 = V::mont(V::add(V::add(V::mont(a[1], b[3]), V::mont(a[2], b[2])), V::mont(a[3], b[1])), w);           \
  const T w1 = V::mont(V::add(V::mont(a[2], b[3]), V::mont(a[3], b[2])), w);                                         \
  const T w2 = V::mont(V::mont(a[3], b[3]), w);                                                                      \
  const T c0 = V::add(V::mont(a[0], b[0]), w0);                                                                      \
  const T c1 = V::add(V::add(V::mont(a[0], b[1]), V::mont(a[1], b[0])), w1);                                         \
  const T c2 = V::add(V::add(V::add(V::mont(a[0], b[2]), V::mont(a[1], b[1])), V::mont(a[2], b[0])), w2);           \
  const T c3 = V::add(V::add(V::add(V::mont(a[0], b[3]), V::mont(a[1], b[2])), V::mont(a[2], b[1])), V::mont(a[3], b[0])); \
  out[0] = V::mont(c0, r2);                                                                                          \
  out[1] = V::mont(c1, r2);                                                                                          \
  out[2] = V::mont(c2, r2);                                                                                          \
  out[3] = V::mont(c3, r2);

namespace zpol {

constexpr uint32_t MONT_INV = 0x88000001u;  // p^-1 mod 2^32 (MONT_MU = −p^-1)

struct V512 {
  using T = __m512i;
  static constexpr size_t LANES = 16;
  __attribute__((target("avx512f"), always_inline)) static inline T load(const uint32_t* p) { return _mm512_loadu_si512(p); }
  __attribute__((target("avx512f"), always_inline)) static inline void store(uint32_t* p, T v) { _mm512_storeu_si512(p, v); }
  __attribute__((target("avx512f"), always_inline)) static inline T set1(uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  // The first `count` < 16 lanes (the others loaded as 0, stored nowhere).
  __attribute__((target("avx512f"), always_inline)) static inline T load_n(const uint32_t* p, size_t count) {
    return _mm512_maskz_loadu_epi32(static_cast<__mmask16>((1u << count) - 1), p);
  }
  __attribute__((target("avx512f"), always_inline)) static inline void store_n(uint32_t* p, T v, size_t count) {
    _mm512_mask_storeu_epi32(p, static_cast<__mmask16>((1u << count) - 1), v);
  }
  __attribute__((target("avx512f"), always_inline)) static inline T add(T a, T b) {
    const T s = _mm512_add_epi32(a, b);
    return _mm512_min_epu32(s, _mm512_sub_epi32(s, set1(P)));
  }
  __attribute__((target("avx512f"), always_inline)) static inline T sub(T a, T b) {
    const T d = _mm512_sub_epi32(a, b);
    return _mm512_min_epu32(d, _mm512_add_epi32(d, set1(P)));
  }
  // Odd 32-bit lanes copied down onto the even ones (one shuffle): what _mm512_mul_epu32 multiplies of odd lanes.
  __attribute__((target("avx512f"), always_inline)) static inline T odd(T v) {
    return _mm512_castps_si512(_mm512_movehdup_ps(_mm512_castsi512_ps(v)));
  }
  // The high halves of 64-bit products: even lanes from the even products' odd halves, odd lanes in place in the
  // odd products (one masked shuffle, where a shift and a blend took two).
  __attribute__((target("avx512f"), always_inline)) static inline T high_halves(T even, T odd_products) {
    return _mm512_castps_si512(_mm512_mask_movehdup_ps(_mm512_castsi512_ps(odd_products), 0x5555, _mm512_castsi512_ps(even)));
  }
  __attribute__((target("avx512f"), always_inline)) static inline T mont(T x, T t) {
    const T p = set1(P);
    const T inv = set1(MONT_INV);
    const T prod_e = _mm512_mul_epu32(x, t);
    const T prod_o = _mm512_mul_epu32(odd(x), odd(t));
    const T qp_e = _mm512_mul_epu32(_mm512_mul_epu32(prod_e, inv), p);
    const T qp_o = _mm512_mul_epu32(_mm512_mul_epu32(prod_o, inv), p);
    const T prod_hi = high_halves(prod_e, prod_o);
    const T qp_hi = high_halves(qp_e, qp_o);
    const T r = _mm512_sub_epi32(prod_hi, qp_hi);
    return _mm512_mask_add_epi32(r, _mm512_cmplt_epu32_mask(prod_hi, qp_hi), r, p);
  }
  __attribute__((target("avx512f"), always_inline)) static inline void ext_mul(const T a[4], const T b[4], T out[4]) { ZPOL_EXT_PRODUCT(V512) }
};

struct V256 {
  using T = __m256i;
  static constexpr size_t LANES = 8;
  __attribute__((target("avx2"), always_inline)) static inline T load(const uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const T*>(p)); }
  __attribute__((target("avx2"), always_inline)) static inline void store(uint32_t* p, T v) { _mm256_storeu_si256(reinterpret_cast<T*>(p), v); }
  __attribute__((target("avx2"), always_inline)) static inline T set1(uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }
  // The first `count` < 8 lanes (the others loaded as 0, stored nowhere).
  __attribute__((target("avx2"), always_inline)) static inline T mask_n(size_t count) {
    return _mm256_cmpgt_epi32(set1(static_cast<uint32_t>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  __attribute__((target("avx2"), always_inline)) static inline T load_n(const uint32_t* p, size_t count) {
    return _mm256_maskload_epi32(reinterpret_cast<const int*>(p), mask_n(count));
  }
  __attribute__((target("avx2"), always_inline)) static inline void store_n(uint32_t* p, T v, size_t count) {
    _mm256_maskstore_epi32(reinterpret_cast<int*>(p), mask_n(count), v);
  }
  __attribute__((target("avx2"), always_inline)) static inline T add(T a, T b) {
    const T s = _mm256_add_epi32(a, b);
    return _mm256_min_epu32(s, _mm256_sub_epi32(s, set1(P)));
  }
  __attribute__((target("avx2"), always_inline)) static inline T sub(T a, T b) {
    const T d = _mm256_sub_epi32(a, b);
    return _mm256_min_epu32(d, _mm256_add_epi32(d, set1(P)));
  }
  __attribute__((target("avx2"), always_inline)) static inline T mont(T x, T t) {
    const T p = set1(P);
    const T inv = set1(MONT_INV);
    const T prod_e = _mm256_mul_epu32(x, t);
    const T prod_o = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(t, 32));
    const T qp_e = _mm256_mul_epu32(_mm256_mul_epu32(prod_e, inv), p);
    const T qp_o = _mm256_mul_epu32(_mm256_mul_epu32(prod_o, inv), p);
    const T prod_hi = _mm256_blend_epi32(_mm256_srli_epi64(prod_e, 32), prod_o, 0xAA);
    const T qp_hi = _mm256_blend_epi32(_mm256_srli_epi64(qp_e, 32), qp_o, 0xAA);
    const T r = _mm256_sub_epi32(prod_hi, qp_hi);  // in (−p, p): wrapped when negative
    return _mm256_min_epu32(r, _mm256_add_epi32(r, p));
  }
  __attribute__((target("avx2"), always_inline)) static inline void ext_mul(const T a[4], const T b[4], T out[4]) { ZPOL_EXT_PRODUCT(V256) }
};

}  // namespace zpol
#endif
