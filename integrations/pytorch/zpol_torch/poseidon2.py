"""Poseidon2 over BabyBear (p = 2^31 - 2^27 + 1), width 16, vectorised over a batch of states in PyTorch.

The permutation is zpol's (runtime/proof/hash/poseidon2.ts, Plonky3's parameters): the initial external linear
layer, 4 external rounds, 13 internal rounds, 4 external rounds; S-box x^7. States are int64 tensors of shape
[n, 16] holding canonical field elements; every product of two canonical elements is below 2^62, so int64 holds
it exactly and each multiplication is reduced at once. The same code runs on the CPU and on a GPU: element-wise
int64 arithmetic, and the external layer as a float64 matrix product whose integers stay exact (below 2^53), on
the device of its input.

compress(left, right) is the 2-to-1 compression of 8-element digests: the first 8 elements of perm(left || right).
"""

import torch

from .constants import EXTERNAL_INITIAL, EXTERNAL_TERMINAL, INTERNAL, INTERNAL_DIAG, MAT4, P

WIDTH = 16
DIGEST = 8

_tables = {}


def _consts(device):
    """The round constants and the internal diagonal as int64 tensors on `device` (cached per device)."""
    key = str(device)
    if key not in _tables:
        _tables[key] = (
            torch.tensor(EXTERNAL_INITIAL, dtype=torch.int64, device=device),
            torch.tensor(EXTERNAL_TERMINAL, dtype=torch.int64, device=device),
            [int(c) for c in INTERNAL],
            torch.tensor(INTERNAL_DIAG, dtype=torch.int64, device=device),
        )
    return _tables[key]


def _sbox(x):
    x2 = x * x % P
    x3 = x2 * x % P
    x6 = x3 * x3 % P
    return x6 * x % P


def _external(s):
    """M_E = circ(2·M4, M4, M4, M4) as one 16 × 16 product, reduced. It runs in float64: every entry of s·M_Eᵀ is
    a sum of 16 products of a canonical element (< 2^31) and a small integer, below 2^37, so every partial sum is
    an integer below 2^53 and float64 adds it exactly, in any order, on any device."""
    return torch.matmul(s.to(torch.float64), _external_matrix(s.device)).to(torch.int64) % P


def _external_matrix(device):
    key = ("M_E", str(device))
    if key not in _tables:
        m = [[MAT4[r % 4][c % 4] * (2 if r // 4 == c // 4 else 1) for c in range(WIDTH)] for r in range(WIDTH)]
        _tables[key] = torch.tensor(m, dtype=torch.float64, device=device).t().contiguous()
    return _tables[key]


def permute(state):
    """The Poseidon2 permutation of each row of `state` (int64 [n, 16], canonical), as a new tensor."""
    if state.dim() != 2 or state.shape[1] != WIDTH:
        raise ValueError(f"permute: expected states of shape [n, {WIDTH}], got {list(state.shape)}")
    rc_initial, rc_terminal, rc_internal, diag = _consts(state.device)
    s = _external(state.to(torch.int64))
    for r in range(rc_initial.shape[0]):
        s = _external(_sbox((s + rc_initial[r]) % P))
    s = s.clone()
    for c in rc_internal:
        s[:, 0] = _sbox((s[:, 0] + c) % P)
        total = s.sum(dim=1, keepdim=True)
        s.mul_(diag).add_(total).remainder_(P)
    for r in range(rc_terminal.shape[0]):
        s = _external(_sbox((s + rc_terminal[r]) % P))
    return s


def compress(left, right):
    """compressPair for each row: the first 8 elements of perm(left || right); left, right int64 [n, 8]."""
    return permute(torch.cat([left, right], dim=1))[:, :DIGEST]
