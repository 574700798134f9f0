"""Matrix products in the arithmetic a zpol `verify` clause declares, bit for bit, in PyTorch.

`torch.matmul`, `sum` and bf16 `@` follow no declared order of additions, so their results cannot be recomputed
by a verifier. These products are explicit sequences of element-wise operations, vectorised over all M × N
outputs at once, on the device of their inputs (docs/run.md, "What order: sequential and rounding: bf16 mean";
runtime/fp/bf16.ts and runtime/fp/mma.ts are the references they match):

- `sequential`: acc ← +0 (f32); for k = 0 … K−1: acc ← fma(a[i][k], b[k][j], acc); c ← bf16(acc). One fma is
  computed as (acc + a·b) in float64, rounded once to float32: the product of two bf16 values is exact in
  float64, and the float64 sum of it and an f32 accumulator, rounded to f32, is the correctly rounded sum
  (double rounding is innocuous for an addition when the wide format has at least 2p + 2 bits: 53 ≥ 2·24 + 2).
- `blocked(B)`: blocks of B terms accumulated sequentially from +0, then the partial sums added in order in f32.
- `tensor_core`: chained Hopper BF16 tensor-core operations on k16 slices (mma.ts's model): the 16 exact products
  and the accumulator aligned to the largest exponent, each cut toward zero to 25 fractional bits, added exactly
  in int64, the sum truncated to f32; K a multiple of 16.

The output is rounded to bf16 to nearest even, a NaN becoming 0x7FC0 (`rounding: bf16`). Every function takes
bf16 tensors a [M, K] and b [K, N] and returns c, bf16 [M, N].
"""

import torch

BF16_NAN = 0x7FC0
MMA_K = 16
MMA_FRACTION_BITS = 25


class GemmError(ValueError):
    """Operands a checked product cannot take (dtype, shape, order); the message says which."""


def _check(a, b, what="product"):
    for name, t in (("a", a), ("b", b)):
        if not isinstance(t, torch.Tensor) or t.dtype != torch.bfloat16:
            got = t.dtype if isinstance(t, torch.Tensor) else type(t).__name__
            raise GemmError(f"{what}: operand {name} must be a bfloat16 tensor, got {got}")
        if t.dim() != 2:
            raise GemmError(f"{what}: operand {name} must be a matrix, got shape {list(t.shape)}")
    if a.shape[1] != b.shape[0]:
        raise GemmError(f"{what}: a is {list(a.shape)} and b is {list(b.shape)}: a's columns must equal b's rows")


def f32_bits(x):
    """The f32 bit patterns of a float32 tensor as int64 in [0, 2^32)."""
    return x.contiguous().view(torch.int32).to(torch.int64) & 0xFFFFFFFF


def bf16_from_bits(bits):
    """A bfloat16 tensor from int64 bit patterns in [0, 65536)."""
    return torch.where(bits >= 0x8000, bits - 0x10000, bits).to(torch.int16).view(torch.bfloat16)


def round_to_bf16(acc):
    """f32 → bf16, round to nearest even on the 16 dropped bits (overflow to infinity), NaN → 0x7FC0."""
    x = f32_bits(acc)
    hi = x >> 16
    r = (x + 0x7FFF + (hi & 1)) >> 16
    nan = ((x & 0x7F800000) == 0x7F800000) & ((x & 0x7FFFFF) != 0)
    return bf16_from_bits(torch.where(nan, torch.full_like(r, BF16_NAN), r & 0xFFFF))


def _sequential_acc(a, b, lo, hi):
    a64, b64 = a.to(torch.float64), b.to(torch.float64)
    acc = torch.zeros((a.shape[0], b.shape[1]), dtype=torch.float32, device=a.device)
    for k in range(lo, hi):
        acc = (acc.to(torch.float64) + a64[:, k:k + 1] * b64[k:k + 1, :]).to(torch.float32)
    return acc


def sequential_acc(a, b):
    """The f32 accumulators of a·b in sequential order (before the bf16 rounding)."""
    _check(a, b)
    return _sequential_acc(a, b, 0, a.shape[1])


def blocked_acc(a, b, block):
    """The f32 accumulators of a·b in blocked(B) order."""
    _check(a, b)
    if not isinstance(block, int) or block < 1:
        raise GemmError(f"block width must be a positive integer, got {block!r}")
    k = a.shape[1]
    acc = _sequential_acc(a, b, 0, min(block, k))
    for lo in range(block, k, block):
        acc = acc + _sequential_acc(a, b, lo, min(lo + block, k))
    return acc


def _fields16(x):
    """Exponent (max(E, 1) − 127... as used by mma.ts), significand and sign of bf16 bit patterns (int64)."""
    e = (x >> 7) & 0xFF
    sig = (x & 0x7F) | torch.where(e == 0, torch.zeros_like(e), torch.full_like(e, 0x80))
    return torch.clamp(e, min=1), sig, (x >> 15) & 1


def _shift(z, left):
    """z · 2^left for integer tensors, with left possibly negative (a floor division toward zero of z ≥ 0)."""
    up = torch.clamp(left, min=0, max=40)
    down = torch.clamp(-left, min=0, max=62)
    return (z << up) >> down


def _truncate_to_f32(s, e):
    """s·2^e (s int64, |s| < 2^33) to f32 bits rounding toward zero; +0 for 0; infinity from 2^128 up."""
    mag = s.abs()
    n = torch.frexp(mag.to(torch.float64))[1].to(torch.int64)  # bit length (0 for 0): exact below 2^53
    top = e + n - 1
    sign = torch.where(s < 0, torch.full_like(s, 0x80000000), torch.zeros_like(s))
    sig = _shift(mag, 24 - n)
    normal = sign + (top + 127) * 0x800000 + (sig - 0x800000)
    frac = _shift(mag, e + 149)
    sub = torch.where(frac == 0, torch.zeros_like(frac), sign + frac)
    out = torch.where(top >= -126, normal, sub)
    out = torch.where(top >= 128, sign | 0x7F800000, out)
    return torch.where(mag == 0, torch.zeros_like(out), out)


def _mma16(a16, b16, c):
    """One tensor-core operation for every output: a16 [M, 16], b16 [16, N] bf16 bits, c [M, N] f32 bits."""
    ae, asig, asg = _fields16(a16)
    be, bsig, bsg = _fields16(b16)
    p = ae.unsqueeze(1) + be.t().unsqueeze(0) - 254  # [M, N, 16]
    m = asig.unsqueeze(1) * bsig.t().unsqueeze(0)
    neg = (asg.unsqueeze(1) ^ bsg.t().unsqueeze(0)) == 1
    c_exp = (c >> 23) & 0xFF
    c_frac = c & 0x7FFFFF
    e_c = torch.clamp(c_exp, min=1) - 127
    e_max = torch.maximum(p.max(dim=2).values, e_c)
    t = _shift(m, 11 - (e_max.unsqueeze(2) - p))
    total = torch.where(neg, -t, t).sum(dim=2)
    c_sig = c_frac | torch.where(c_exp == 0, torch.zeros_like(c_exp), torch.full_like(c_exp, 0x800000))
    t_c = _shift(c_sig, 2 - (e_max - e_c))
    total = total + torch.where((c >> 31) == 1, -t_c, t_c)
    result = _truncate_to_f32(total, e_max - MMA_FRACTION_BITS)
    # Specials: NaN operands, ∞·0 or ∞ of both signs give 7FFFFFFF; otherwise an infinite product or C wins.
    amag, bmag = (a16 & 0x7FFF).unsqueeze(1), (b16 & 0x7FFF).t().unsqueeze(0)
    nan = ((amag > 0x7F80) | (bmag > 0x7F80)).any(dim=2) | ((c_exp == 0xFF) & (c_frac != 0))
    inf = (amag == 0x7F80) | (bmag == 0x7F80)
    nan = nan | (inf & ((amag == 0) | (bmag == 0))).any(dim=2)
    pos = (inf & ~neg).any(dim=2) | (c == 0x7F800000)
    ng = (inf & neg).any(dim=2) | (c == 0xFF800000)
    nan = nan | (pos & ng)
    result = torch.where(pos, torch.full_like(result, 0x7F800000), result)
    result = torch.where(ng, torch.full_like(result, 0xFF800000), result)
    return torch.where(nan, torch.full_like(result, 0x7FFFFFFF), result)


def tensor_core_acc(a, b):
    """The f32 accumulators of a·b as chained Hopper tensor-core k16 operations, as f32 bit patterns (int64)."""
    _check(a, b)
    k = a.shape[1]
    if k % MMA_K:
        raise GemmError(f"order tensor_core needs K a multiple of {MMA_K}, got K = {k}")
    ab = a.contiguous().view(torch.int16).to(torch.int64) & 0xFFFF
    bb = b.contiguous().view(torch.int16).to(torch.int64) & 0xFFFF
    acc = torch.zeros((a.shape[0], b.shape[1]), dtype=torch.int64, device=a.device)
    for t in range(0, k, MMA_K):
        acc = _mma16(ab[:, t:t + MMA_K], bb[t:t + MMA_K, :], acc)
    return acc


def checked_matmul(a, b, order="sequential"):
    """c = a·b in the declared order, rounded to bf16: "sequential", ("blocked", B) or "tensor_core"."""
    if order == "sequential":
        return round_to_bf16(sequential_acc(a, b))
    if isinstance(order, tuple) and len(order) == 2 and order[0] == "blocked":
        return round_to_bf16(blocked_acc(a, b, order[1]))
    if order == "tensor_core":
        bits = tensor_core_acc(a, b)
        return round_to_bf16(torch.where(bits >= 2**31, bits - 2**32, bits).to(torch.int32).view(torch.float32))
    raise GemmError(f"unknown order {order!r}: sequential, ('blocked', B) or tensor_core")
