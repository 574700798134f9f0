"""Poseidon2 Merkle commitments of bf16 matrices, computed in PyTorch: the roots step records hold (docs/run.md,
"Tensor commitments"; runtime/run/tensor-commit.ts is the TypeScript implementation and gives the same roots).

A [R, C] matrix of bf16 bit patterns is committed row by row: row r becomes ceil(C / 8) words of 8 lanes (0 past
the row's end), leaf(r) = fold of compressPair over the words starting from [R, C, r, 0, 0, 0, 0, 0]; the tree is
binary over 2^d leaves, d = ceil(log2 R) and at least 1, padding leaves all zero. All rows are hashed at once
(one batch of permutations per word), then each level of the tree at once, on the tensors' device.
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


def root(bits):
    """The root (int64 [8]) of a [R, C] int64 tensor of bf16 bit patterns."""
    return roots([bits])[0]


def roots(matrices):
    """The roots (int64 [8] each) of several [R, C] int64 tensors of bf16 bit patterns, on one device, hashed
    together: one batch of permutations per word position across all their rows (leaf(r) folds compressPair over
    its row's words from [R, C, r, 0, ...]), then one per tree level across all their trees (padded with zero
    leaves to 2^depth), so a step's tensors cost the torch calls of its widest and tallest one."""
    if not matrices:
        return []
    device = matrices[0].device
    for m in matrices:
        if m.dim() != 2 or m.shape[0] < 1 or m.shape[1] < 1:
            raise CommitError(f"a committed matrix needs at least one row and one column, got shape {list(m.shape)}")
        if tree_depth(m.shape[0]) > MAX_DEPTH:
            raise CommitError(f"{m.shape[0]} rows exceed the 2^{MAX_DEPTH} a commitment allows")
    words = [(m.shape[1] + LANES - 1) // LANES for m in matrices]
    width = max(words) * LANES
    padded = torch.zeros((sum(m.shape[0] for m in matrices), width), dtype=torch.int64, device=device)
    h = torch.zeros((padded.shape[0], DIGEST), dtype=torch.int64, device=device)
    row_words = torch.empty(padded.shape[0], dtype=torch.int64, device=device)
    at = 0
    for m, w in zip(matrices, words):
        r, c = m.shape
        padded[at:at + r, :c] = m
        h[at:at + r, 0] = r
        h[at:at + r, 1] = c
        h[at:at + r, 2] = torch.arange(r, dtype=torch.int64, device=device)
        row_words[at:at + r] = w
        at += r
    for w in range(max(words)):
        active = (row_words > w).nonzero().squeeze(1)
        h[active] = compress(h[active], padded[active, w * LANES:(w + 1) * LANES])
    levels, at = [], 0
    for m in matrices:
        r = m.shape[0]
        level = torch.zeros(((1 << tree_depth(r)), DIGEST), dtype=torch.int64, device=device)
        level[:r] = h[at:at + r]
        levels.append(level)
        at += r
    while any(level.shape[0] > 1 for level in levels):
        todo = [i for i, level in enumerate(levels) if level.shape[0] > 1]
        up = compress(torch.cat([levels[i][0::2] for i in todo]), torch.cat([levels[i][1::2] for i in todo]))
        at = 0
        for i in todo:
            n = levels[i].shape[0] // 2
            levels[i] = up[at:at + n]
            at += n
    return [level[0] for level in levels]


def digest_hex(d):
    """A digest as 64 lowercase hex digits: its 8 elements in order, each 8 big-endian hex digits."""
    return "".join(f"{int(x):08x}" for x in d.tolist())


def commit_bf16(t):
    """The root, as hex, of a 2-dimensional bfloat16 tensor."""
    return digest_hex(root(bf16_bits(t)))


def commit_many_bf16(tensors):
    """The roots, as hex, of several 2-dimensional bfloat16 tensors, hashed together (`roots`) when they are on
    one device, else one by one."""
    if len({str(t.device) for t in tensors}) > 1:
        return [commit_bf16(t) for t in tensors]
    return [digest_hex(r) for r in roots([bf16_bits(t) for t in tensors])]
