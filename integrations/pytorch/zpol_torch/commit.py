"""Poseidon2 Merkle commitments of bf16 matrices, computed in PyTorch: the roots step records hold (docs/run.md,
"Tensor commitments"; runtime/run/tensor-commit.ts is the TypeScript implementation and gives the same roots).

A [R, C] matrix of bf16 bit patterns is committed row by row: row r becomes W = ceil(C / 8) words of 8 lanes (0 past
the row's end), split into chunks of D = chunk_words(C) words (D divides W); chunk(g) = fold of compressPair over its
words from [R, C, r, 0, 0, 0, 0, 0] for g = 0 and from [CHUNK_DOMAIN, 0, ...] after, leaf(r) = chunk(0) with
each next chunk digest compressed in, in order (a row of one chunk: the fold of its words from [R, C, r, 0, ...]); the tree is binary over 2^d leaves, d = ceil(log2 R) and at least 1, padding leaves all
zero; the root is compressPair([SHAPE_DOMAIN, R, C, 0, ...], tree root). All chunks are hashed at once (one batch
of permutations per word position), then all leaves (one per chunk position), then each level of the tree at once,
on the tensors' device.
"""

import torch

from .poseidon2 import DIGEST, compress

LANES = 8
MAX_DEPTH = 24
MAX_CHUNK_WORDS = 64
MIN_CHUNK_WORDS = 8
CHUNK_DOMAIN = 0x5443484B  # 'TCHK'
SHAPE_DOMAIN = 0x54534850  # 'TSHP'


class CommitError(ValueError):
    """A matrix that cannot be committed (its shape or values); the message says which."""


def tree_depth(rows):
    d = 1
    while (1 << d) < rows:
        d += 1
    return d


def chunk_words(cols):
    """The words of a chunk for rows of `cols` values: the largest divisor of the row's W words up to
    MAX_CHUNK_WORDS when it is at least MIN_CHUNK_WORDS, else W (the row one chunk)."""
    w = (cols + LANES - 1) // LANES
    if w <= MAX_CHUNK_WORDS:
        return w
    for d in range(MAX_CHUNK_WORDS, MIN_CHUNK_WORDS - 1, -1):
        if w % d == 0:
            return d
    return w


def bf16_bits(t):
    """The bf16 bit patterns (0..65535) of a bf16 tensor, as int64 on its device."""
    if t.dtype != torch.bfloat16:
        raise CommitError(f"a committed tensor must be bfloat16, got {t.dtype}")
    return t.contiguous().view(torch.int16).to(torch.int64) & 0xFFFF


def root(bits):
    """The root (int64 [8]) of a [R, C] int64 tensor of bf16 bit patterns."""
    return roots([bits])[0]


def roots(matrices):
    """The roots (int64 [8] each) of several [R, C] int64 tensors of bf16 bit patterns, on one device."""
    return [shaped for shaped, _ in commitments(matrices)]


def commitments(matrices):
    """(root, tree root) of several [R, C] int64 tensors of bf16 bit patterns, on one device, hashed together: one
    batch of permutations per word position across all their chunks, one per chunk position across all their rows,
    then one per tree level across all their trees (padded with zero leaves to 2^depth), then the shape words; so a
    step's tensors cost the torch calls of its widest and tallest one."""
    if not matrices:
        return []
    device = matrices[0].device
    for m in matrices:
        if m.dim() != 2 or m.shape[0] < 1 or m.shape[1] < 1:
            raise CommitError(f"a committed matrix needs at least one row and one column, got shape {list(m.shape)}")
        if tree_depth(m.shape[0]) > MAX_DEPTH:
            raise CommitError(f"{m.shape[0]} rows exceed the 2^{MAX_DEPTH} a commitment allows")
    # Every chunk of every row of every matrix: its words (zero words past its length), and its length.
    shapes = [((m.shape[1] + LANES - 1) // LANES, chunk_words(m.shape[1])) for m in matrices]
    max_d = max(d for _, d in shapes)
    chunk_rows, chunk_lens, chunk_starts = [], [], []
    for m, (w, d) in zip(matrices, shapes):
        r, c = m.shape
        g = w // d
        padded = torch.zeros((r, w * LANES), dtype=torch.int64, device=device)
        padded[:, :c] = m
        chunks = padded.reshape(r * g, d, LANES)
        if d < max_d:
            chunks = torch.cat([chunks, torch.zeros((chunks.shape[0], max_d - d, LANES), dtype=torch.int64, device=device)], dim=1)
        chunk_rows.append(chunks)
        chunk_lens.append(torch.full((chunks.shape[0],), d, dtype=torch.int64, device=device))
        # Chunk 0's chain starts from the leaf's prefix [R, C, r, 0, ...], the others' from [CHUNK_DOMAIN, 0, ...].
        start = torch.zeros((r, g, DIGEST), dtype=torch.int64, device=device)
        start[:, :, 0] = CHUNK_DOMAIN
        start[:, 0, 0] = r
        start[:, 0, 1] = c
        start[:, 0, 2] = torch.arange(r, dtype=torch.int64, device=device)
        chunk_starts.append(start.reshape(r * g, DIGEST))
    words = torch.cat(chunk_rows)
    lens = torch.cat(chunk_lens)
    h = torch.cat(chunk_starts)
    for k in range(max_d):
        active = (lens > k).nonzero().squeeze(1)
        h[active] = compress(h[active], words[active, k])
    # The leaves: each row's chunk 0 digest, then its next chunk digests hashed in, in order.
    max_g = max(w // d for w, d in shapes)
    total_rows = sum(m.shape[0] for m in matrices)
    digests = torch.zeros((total_rows, max_g, DIGEST), dtype=torch.int64, device=device)
    row_chunks = torch.empty(total_rows, dtype=torch.int64, device=device)
    at, chunk_at = 0, 0
    for m, (w, d) in zip(matrices, shapes):
        r = m.shape[0]
        g = w // d
        digests[at:at + r, :g] = h[chunk_at:chunk_at + r * g].reshape(r, g, DIGEST)
        row_chunks[at:at + r] = g
        at += r
        chunk_at += r * g
    leaf = digests[:, 0].clone()
    for k in range(1, max_g):
        active = (row_chunks > k).nonzero().squeeze(1)
        leaf[active] = compress(leaf[active], digests[active, k])
    levels, at = [], 0
    for m in matrices:
        r = m.shape[0]
        level = torch.zeros(((1 << tree_depth(r)), DIGEST), dtype=torch.int64, device=device)
        level[:r] = leaf[at:at + r]
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
    trees = torch.cat(levels)
    shape = torch.zeros((len(matrices), DIGEST), dtype=torch.int64, device=device)
    shape[:, 0] = SHAPE_DOMAIN
    shape[:, 1] = torch.tensor([m.shape[0] for m in matrices], dtype=torch.int64, device=device)
    shape[:, 2] = torch.tensor([m.shape[1] for m in matrices], dtype=torch.int64, device=device)
    shaped = compress(shape, trees)
    return [(shaped[i], trees[i]) for i in range(len(matrices))]


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
