"""Poseidon2 over BabyBear (p = 2^31 - 2^27 + 1), width 16, vectorised over a batch of states in PyTorch.

The permutation is zpol's (runtime/proof/hash/poseidon2.ts, Plonky3's parameters): the initial external linear
layer, 4 external rounds, 13 internal rounds, 4 external rounds; S-box x^7. States are int64 tensors of shape
[n, 16] holding canonical field elements; every product of two canonical elements is below 2^62, so int64 holds
it exactly and each multiplication is reduced at once. The same code runs on the CPU and on a GPU: it uses only
element-wise int64 arithmetic, on the device of its input.

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
    """M_E: M4 on each block of four, then each element gets the sum of its position across blocks; reduced."""
    b = s.reshape(s.shape[0], WIDTH // 4, 4)
    x = [b[:, :, i] for i in range(4)]
    y = torch.stack([sum(MAT4[r][c] * x[c] for c in range(4)) for r in range(4)], dim=2)
    y = y + y.sum(dim=1, keepdim=True)
    return (y % P).reshape(s.shape[0], WIDTH)


def permute(state):
    """The Poseidon2 permutation of each row of `state` (int64 [n, 16], canonical), as a new tensor."""
    if state.dim() != 2 or state.shape[1] != WIDTH:
        raise ValueError(f"permute: expected states of shape [n, {WIDTH}], got {list(state.shape)}")
    rc_initial, rc_terminal, rc_internal, diag = _consts(state.device)
    s = _external(state.to(torch.int64))
    for r in range(rc_initial.shape[0]):
        s = _external(_sbox((s + rc_initial[r]) % P))
    for c in rc_internal:
        s0 = _sbox((s[:, 0] + c) % P)
        s = torch.cat([s0.unsqueeze(1), s[:, 1:]], dim=1)
        total = s.sum(dim=1, keepdim=True) % P
        s = (total + s * diag % P) % P
    for r in range(rc_terminal.shape[0]):
        s = _external(_sbox((s + rc_terminal[r]) % P))
    return s


def compress(left, right):
    """compressPair for each row: the first 8 elements of perm(left || right); left, right int64 [n, 8]."""
    return permute(torch.cat([left, right], dim=1))[:, :DIGEST]
