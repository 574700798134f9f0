"""Poseidon2 Merkle commitments of bf16 matrices, computed in PyTorch: the roots step records hold (docs/run.md,
"Tensor commitments"; runtime/run/tensor-commit.ts is the TypeScript implementation and gives the same roots).

A [R, C] matrix of bf16 bit patterns is committed row by row: row r becomes ceil(C / 8) words of 8 lanes (0 past
the row's end), leaf(r) = fold of compressPair over the words starting from [R, C, r, 0, 0, 0, 0, 0]; the tree is
binary over 2^d leaves, d = ceil(log2 R) and at least 1, padding leaves all zero. All rows are hashed at once
(one batch of permutations per word), then each level of the tree at once, on the tensor's device.
"""

import torch

from .poseidon2 import DIGEST, compress

LANES = 8
MAX_DEPTH = 24


class CommitError(ValueError):
    """A matrix that cannot be committed (its shape or values); the message says which."""


def tree_depth(rows):
    d = 1
    while (1 << d) < rows:
        d += 1
    return d


def bf16_bits(t):
    """The bf16 bit patterns (0..65535) of a bf16 tensor, as int64 on its device."""
    if t.dtype != torch.bfloat16:
        raise CommitError(f"a committed tensor must be bfloat16, got {t.dtype}")
    return t.contiguous().view(torch.int16).to(torch.int64) & 0xFFFF


def leaves(bits):
    """leaf(r) for every row of a [R, C] int64 tensor of bf16 bit patterns: int64 [R, 8]."""
    if bits.dim() != 2:
        raise CommitError(f"a committed matrix is 2-dimensional, got shape {list(bits.shape)}")
    rows, cols = bits.shape
    if rows < 1 or cols < 1:
        raise CommitError(f"a committed matrix needs at least one row and one column, got [{rows}, {cols}]")
    if tree_depth(rows) > MAX_DEPTH:
        raise CommitError(f"{rows} rows exceed the 2^{MAX_DEPTH} a commitment allows")
    words = (cols + LANES - 1) // LANES
    padded = torch.zeros((rows, words * LANES), dtype=torch.int64, device=bits.device)
    padded[:, :cols] = bits
    h = torch.zeros((rows, DIGEST), dtype=torch.int64, device=bits.device)
    h[:, 0] = rows
    h[:, 1] = cols
    h[:, 2] = torch.arange(rows, dtype=torch.int64, device=bits.device)
    for w in range(words):
        h = compress(h, padded[:, w * LANES:(w + 1) * LANES])
    return h


def tree(bits):
    """Every level of the Merkle tree, the padded leaves first and [root] last."""
    leaf = leaves(bits)
    depth = tree_depth(leaf.shape[0])
    level = torch.zeros(((1 << depth), DIGEST), dtype=torch.int64, device=bits.device)
    level[: leaf.shape[0]] = leaf
    levels = [level]
    for _ in range(depth):
        level = compress(level[0::2], level[1::2])
        levels.append(level)
    return levels


def root(bits):
    """The root (int64 [8]) of a [R, C] int64 tensor of bf16 bit patterns."""
    return tree(bits)[-1][0]


def digest_hex(d):
    """A digest as 64 lowercase hex digits: its 8 elements in order, each 8 big-endian hex digits."""
    return "".join(f"{int(x):08x}" for x in d.tolist())


def commit_bf16(t):
    """The root, as hex, of a 2-dimensional bfloat16 tensor."""
    return digest_hex(root(bf16_bits(t)))
