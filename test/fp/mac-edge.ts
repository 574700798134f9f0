// Edge cases of the BF16 multiply-accumulate, shared by the MAC chip's and the dot-product chip's tests.
// [a, b, acc] (a, b bf16; acc f32).
export const EDGE: [number, number, number][] = [
  [0x3f80, 0x3f80, 0x00000000], // 1·1 + 0
  [0x3f80, 0x3f80, 0xbf800000], // 1·1 − 1: exact cancellation, +0
  [0x0000, 0x3f80, 0x80000000], // (+0·1) + (−0) = +0
  [0x8000, 0x3f80, 0x80000000], // (−0·1) + (−0) = −0
  [0x8000, 0x8000, 0x80000000], // (−0·−0) + (−0) = +0
  [0x8000, 0x3f80, 0x00000000], // −0 + +0 = +0
  [0x7f80, 0x0000, 0x3f800000], // ∞·0: NaN
  [0x0000, 0xff80, 0x3f800000], // 0·−∞: NaN
  [0x7f80, 0x3f80, 0xff800000], // ∞ − ∞: NaN
  [0x7f80, 0xbf80, 0xff800000], // −∞ − ∞ = −∞
  [0x3f80, 0x3f80, 0x7f800000], // 1 + ∞ = ∞
  [0x7fc1, 0x3f80, 0x00000000], // NaN input (payload): canonical NaN
  [0x3f80, 0x3f80, 0x7f800001], // signalling NaN acc
  [0x7f7f, 0x7f7f, 0x00000000], // overflow to ∞
  [0xff7f, 0x7f7f, 0x7f7fffff], // −huge + max: −∞
  [0x7f7f, 0x3f80, 0x7f7fffff], // max + max-ish: ∞
  [0x0001, 0x0001, 0x00000000], // subnormal·subnormal: underflows to +0
  [0x8001, 0x0001, 0x00000001], // tiny negative product + min subnormal: rounds to it
  [0x0001, 0x3f80, 0x00000000], // bf16 subnormal times 1: exact f32 subnormal
  [0x0080, 0x3f00, 0x00000000], // smallest normal · 1/2: subnormal result
  [0x0080, 0x3e80, 0x80000001], // 2^−128 − 2^−149
  [0x3f80, 0x3f80, 0x3f800003], // 1 + (1 + 3·2^−23): tie with an odd kept part, rounds up
  [0x3f80, 0x3f80, 0x33800000], // 1 + 2^−24: tie to even (1)
  [0x3f80, 0x3f80, 0x33800001], // just above the tie: rounds up
  [0x3f81, 0x3f81, 0xbf800000], // cancellation leaving a small exact value
  [0x4b80, 0x3f80, 0xcb800001], // 2^24 − (2^24 + 2) : exact small
  [0x0d80, 0x0d80, 0x3f800000], // tiny product, large acc: sticky only
  [0x8d80, 0x0d80, 0x3f800000], // tiny negative product below 1: 1 − ε rounds to 1
  [0x0001, 0x0001, 0x80000000], // +tiny product + −0: +0
  [0x8001, 0x0001, 0x00000000], // −tiny product + 0: −0 (inexact keeps the sign)
  [0x7f7f, 0x3f80, 0xff7f0000], // huge cancellation near max
];
