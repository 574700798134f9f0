"""BLAKE3 (hash mode, 32-byte output): the digest of a step's tensors file and of observations.

Written from the BLAKE3 specification (O'Connor, Aumasson, Neves, Wilcox-O'Hearn, 2020): 1024-byte chunks of
64-byte blocks, a binary tree of parent nodes, the 7-round compression function. The standard library has no
BLAKE3. Short inputs are hashed in plain Python; from TORCH_CHUNKS full chunks on, the chunks (independent until
the tree) are compressed together with torch, 32-bit words in int64 tensors, one batch per block position, and
only the parent nodes are compressed one by one."""

import struct

IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)
PERMUTATION = (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)
CHUNK_START, CHUNK_END, PARENT, ROOT = 1, 2, 4, 8
BLOCK, CHUNK = 64, 1024
M32 = 0xFFFFFFFF

# The message word order of each of the 7 rounds (the permutation applied round after round).
_SCHEDULE = []
_order = list(range(16))
for _ in range(7):
    _SCHEDULE.append(tuple(_order))
    _order = [_order[p] for p in PERMUTATION]


def _compress(cv, m, counter, block_len, flags):
    s = list(cv) + list(IV[:4]) + [counter & M32, (counter >> 32) & M32, block_len, flags]
    for order in _SCHEDULE:
        for a, b, c, d, i in ((0, 4, 8, 12, 0), (1, 5, 9, 13, 2), (2, 6, 10, 14, 4), (3, 7, 11, 15, 6),
                              (0, 5, 10, 15, 8), (1, 6, 11, 12, 10), (2, 7, 8, 13, 12), (3, 4, 9, 14, 14)):
            x, y = m[order[i]], m[order[i + 1]]
            sa = (s[a] + s[b] + x) & M32
            sd = s[d] ^ sa
            sd = ((sd >> 16) | (sd << 16)) & M32
            sc = (s[c] + sd) & M32
            sb = s[b] ^ sc
            sb = ((sb >> 12) | (sb << 20)) & M32
            sa = (sa + sb + y) & M32
            sd = sd ^ sa
            sd = ((sd >> 8) | (sd << 24)) & M32
            sc = (sc + sd) & M32
            sb = sb ^ sc
            s[a], s[b], s[c], s[d] = sa, ((sb >> 7) | (sb << 25)) & M32, sc, sd
    return [s[i] ^ s[i + 8] for i in range(8)] + [s[i + 8] ^ cv[i] for i in range(8)]


def _words(block):
    return struct.unpack("<16I", block.ljust(BLOCK, b"\0"))


def _chunk_output(chunk, index):
    """The last block's compression inputs for a chunk (cv, words, counter, len, flags), the others applied."""
    cv = IV
    blocks = [chunk[i:i + BLOCK] for i in range(0, len(chunk), BLOCK)] or [b""]
    for n, block in enumerate(blocks):
        flags = (CHUNK_START if n == 0 else 0) | (CHUNK_END if n == len(blocks) - 1 else 0)
        if n == len(blocks) - 1:
            return (cv, _words(block), index, len(block), flags)
        cv = _compress(cv, _words(block), index, BLOCK, flags)[:8]
    raise AssertionError("unreachable")


def _parent(left, right):
    return (IV, tuple(left) + tuple(right), 0, BLOCK, PARENT)


TORCH_CHUNKS = 8


def _rotr(x, n):
    return ((x >> n) | (x << (32 - n))) & M32


def _chunk_cvs_torch(data, count):
    """The chaining values of the first `count` chunks of `data` (all full), compressed together in torch."""
    import torch

    words = torch.frombuffer(bytearray(data[:count * CHUNK]), dtype=torch.int32).to(torch.int64) & M32
    words = words.reshape(count, CHUNK // BLOCK, 16)
    counter = torch.arange(count, dtype=torch.int64)
    cv = [torch.full((count,), v, dtype=torch.int64) for v in IV]
    for b in range(CHUNK // BLOCK):
        flags = (CHUNK_START if b == 0 else 0) | (CHUNK_END if b == CHUNK // BLOCK - 1 else 0)
        m = [words[:, b, i] for i in range(16)]
        s = cv + [torch.full((count,), v, dtype=torch.int64) for v in IV[:4]]
        s += [counter & M32, counter >> 32, torch.full((count,), BLOCK, dtype=torch.int64), torch.full((count,), flags, dtype=torch.int64)]
        for order in _SCHEDULE:
            for a, bb, c, d, i in ((0, 4, 8, 12, 0), (1, 5, 9, 13, 2), (2, 6, 10, 14, 4), (3, 7, 11, 15, 6),
                                   (0, 5, 10, 15, 8), (1, 6, 11, 12, 10), (2, 7, 8, 13, 12), (3, 4, 9, 14, 14)):
                s[a] = (s[a] + s[bb] + m[order[i]]) & M32
                s[d] = _rotr(s[d] ^ s[a], 16)
                s[c] = (s[c] + s[d]) & M32
                s[bb] = _rotr(s[bb] ^ s[c], 12)
                s[a] = (s[a] + s[bb] + m[order[i + 1]]) & M32
                s[d] = _rotr(s[d] ^ s[a], 8)
                s[c] = (s[c] + s[d]) & M32
                s[bb] = _rotr(s[bb] ^ s[c], 7)
        cv = [s[i] ^ s[i + 8] for i in range(8)]
    return torch.stack(cv, dim=1).tolist()


def blake3(data):
    """The 32-byte BLAKE3 digest of `data`."""
    data = bytes(data)
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    stack = []
    full = len(chunks) - 1
    cvs = _chunk_cvs_torch(data, full) if full >= TORCH_CHUNKS else None
    for index, chunk in enumerate(chunks[:-1]):
        cv = cvs[index] if cvs is not None else _compress(*_chunk_output(chunk, index))[:8]
        total = index + 1
        while total & 1 == 0:
            cv = _compress(*_parent(stack.pop(), cv))[:8]
            total >>= 1
        stack.append(cv)
    out = _chunk_output(chunks[-1], len(chunks) - 1)
    while stack:
        out = _parent(stack.pop(), _compress(*out)[:8])
    cv, m, counter, block_len, flags = out
    return struct.pack("<8I", *_compress(cv, m, counter, block_len, flags | ROOT)[:8])
