// The x86 vector intrinsics, included by every native source that uses them (simd-field.h, grind.cc) through here.
//
// GCC 12's AVX-512 intrinsics fill the pass-through operand of their masked builtins with _mm512_undefined_epi32(),
// a self-initialised variable (`__m512i __Y = __Y;`), and -Wmaybe-uninitialized reports it at every inlined use:
// about 1,300 false positives, 2.1 MB of the native build's output (GCC bug 105593, fixed in GCC 13 by a pragma in
// the header itself). The warning is issued at the header's lines, so ignoring it around the one include silences
// exactly those and no warning of zpol's own code. Clang has no such warning (nor the false positive).
#pragma once
#if defined(__x86_64__) || defined(__i386__)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
#endif
