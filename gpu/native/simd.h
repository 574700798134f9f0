// Vectorised BabyBear kernels for the native CPU backend: the NTTs' stages (gpu/native/ntt.cc), up to four at a time
// with a group's entries in vector registers, and the scaling and spreading steps of the LDE. One of three versions runs, chosen once at run time from what the CPU has:
// AVX-512 (16 lanes), AVX2 (8 lanes), or the portable scalar loop of gpu/device/butterfly.h. All three return the
// canonical x·t·2^-32 mod p, so the bits never depend on which ran (test/gpu/native.test.ts compares each with the
// TypeScript reference).
//
// The vector Montgomery product (x canonical, t in Montgomery form): prod = x·t as 64-bit lanes (even and odd
// 32-bit lanes separately), q = lo32(prod)·p^-1 mod 2^32, then prod − q·p ≡ 0 mod 2^32 and
// hi32(prod) − hi32(q·p) = x·t·2^-32 mod p in (−p, p): add p when negative.
#pragma once
#include <cstddef>
#include <cstdint>

namespace zpol {

// v[i] = v[i]·t·2^-32 mod p (t in Montgomery form: v[i]·t' for t = to_mont(t')).
void simd_scale(uint32_t* v, uint32_t t_mont, size_t len);
// The first stage of an LDE's big transform on two coefficient rows (ntt.cc coset_lde_randomized_columns): with
// A = a·sa and B = b·sb (Montgomery factors), row k of out gets A + B·tw[k] and row blowup + k gets A − B·tw[k]
// (k < blowup, rows `width` apart, `len` columns): the DIT stage of half-size blowup over 2·blowup rows holding A
// and B blowup times each, without writing the copies first.
void simd_lde_spread_pair(uint32_t* out, size_t width, const uint32_t* a, const uint32_t* b, uint32_t sa, uint32_t sb, const uint32_t* tw,
                          size_t blowup, size_t len);
// The NTTs' stages on the rows of a row-major matrix (ntt.cc): the stages with half-size h in [h0, h1) on rows
// [r0, r1) (whole blocks of 2·h1 rows), columns [c0, c1).
void simd_dit_rows_range(uint32_t* v, size_t width, size_t r0, size_t r1, size_t c0, size_t c1, size_t h0, size_t h1, const uint32_t* tw);
// The k stages with half-sizes h, 2h, ..., h·2^(k−1) on rows [0, n), columns [c0, c1), in one pass over memory.
void simd_dit_rows_group(uint32_t* v, size_t n, size_t width, size_t c0, size_t c1, size_t h, int k, const uint32_t* tw);
// Which version runs: "avx512", "avx2" or "scalar".
// The DIT stages with half-size first_half .. n/2 on one contiguous column of n entries (already bit-reversed).
void simd_dit_column(uint32_t* v, size_t n, size_t first_half, const uint32_t* tw);
const char* simd_level();
// Chooses the best version at most `cap` ("scalar", "avx2", or "" for the best the CPU has; the environment's
// ZPOL_SIMD caps the first choice the same way) and returns its name. Not to be called while a kernel runs.
const char* simd_select(const char* cap);

}  // namespace zpol
