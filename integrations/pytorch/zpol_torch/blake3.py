"""BLAKE3 (hash mode, 32-byte output) in pure Python: the digest of a step's tensors file and of observations.

Written from the BLAKE3 specification (O'Connor, Aumasson, Neves, Wilcox-O'Hearn, 2020): 1024-byte chunks of
64-byte blocks, a binary tree of parent nodes, the 7-round compression function. The standard library has no
BLAKE3; this one runs at a few MB/s, enough for the tensors a step commits (the training tensors stay in torch)."""

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


def blake3(data):
    """The 32-byte BLAKE3 digest of `data`."""
    data = bytes(data)
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    stack = []
    for index, chunk in enumerate(chunks[:-1]):
        cv = _compress(*_chunk_output(chunk, index))[:8]
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
