"""The initial weights' layout that genesis commits (docs/run.md, "weights.json"; runtime/run/weights.ts is the
TypeScript implementation and gives the same bytes): per parameter tensor, in canonical order (by name, UTF-8
bytes), its name, kind, block, matrix shape [rows, cols] and the root of its bf16 values; the layout root over
them is what the policy's spec field holds, and what the genesis proof derives the parameter count and the
architecture from (weight_params, weight_layers, weight_experts).

    layout = weight_layout(model.named_parameters())   # the dict weights.json holds
"""

import re

import torch

from .commit import bf16_bits, commitments, digest_hex, tree_depth
from .poseidon2 import compress

WEIGHTS_FORMAT = "zpol-run-weights"
# 2 since tensor roots commit their shapes (each entry lists its tree root beside its root).
WEIGHTS_VERSION = 2
WEIGHTS_FILE = "weights.json"
WEIGHTS_DIR = "weights"
INITIAL_WEIGHTS_FILE = "weights/initial.safetensors"
LAYOUT_DOMAIN = 0x574C4159
NAME_DOMAIN = 0x574E414D
MAX_WEIGHT_TENSORS = 65536
MAX_NAME_BYTES = 256
KINDS = ("embedding", "attention", "mlp", "router", "expert", "norm", "head", "linear")
_LN = re.compile(r"^ln(_[a-z0-9]+|[0-9]*)$")


class WeightsError(ValueError):
    """Weights that cannot be committed (a name, a shape, a dtype); the message names the tensor."""


def weight_kind(name):
    """A tensor's kind from its name's dot-separated segments, the first rule that matches (docs/run.md)."""
    segs = name.lower().split(".")

    def any_(p):
        return any(p(s) for s in segs)

    if any_(lambda s: "router" in s or s == "gate"):
        return "router"
    if any_(lambda s: s in ("experts", "expert")):
        return "expert"
    if any_(lambda s: "norm" in s or _LN.match(s)):
        return "norm"
    if any_(lambda s: "emb" in s or s in ("wte", "wpe")):
        return "embedding"
    if any_(lambda s: "attn" in s or "attention" in s):
        return "attention"
    if any_(lambda s: "mlp" in s or "ffn" in s or "feed_forward" in s):
        return "mlp"
    if any_(lambda s: s in ("lm_head", "head", "output")):
        return "head"
    return "linear"


def weight_block(name):
    """A tensor's block: its name's first all-digit segment, 0 without one."""
    for s in name.split("."):
        if s and s.isascii() and s.isdigit():
            return int(s)
    return 0


def matrix_shape(shape):
    """The matrix a tensor of `shape` is committed as: [d0, d1 * ... * dk]; [n] as [1, n]; a scalar as [1, 1]."""
    shape = list(shape)
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    cols = 1
    for d in shape[1:]:
        cols *= d
    return shape[0], cols


def _word(values):
    return torch.tensor([values], dtype=torch.int64)


def _wide(x):
    return [(x >> (16 * i)) & 0xFFFF for i in range(8)]


def name_digest(name):
    """h <- [NAME_DOMAIN, bytes, 0, ...]; then compressPair with each word of the name's UTF-8 bytes, 3 bytes a lane
    (big-endian), 8 lanes a word, zero padded."""
    data = name.encode("utf-8")
    h = _word([NAME_DOMAIN, len(data), 0, 0, 0, 0, 0, 0])
    for w in range(0, len(data), 24):
        lanes = []
        for lane in range(8):
            v = 0
            for b in range(3):
                i = w + 3 * lane + b
                v = v * 256 + (data[i] if i < len(data) else 0)
            lanes.append(v)
        h = compress(h, _word(lanes))
    return h


def _leaf(count, t, entry):
    h = _word([LAYOUT_DOMAIN, count, t, 0, 0, 0, 0, 0])
    root = [int(entry["root"][8 * i:8 * i + 8], 16) for i in range(8)]
    for w in (_word([KINDS.index(entry["kind"]), 0, 0, 0, 0, 0, 0, 0]), _word(_wide(entry["block"])),
              _word(_wide(entry["rows"])), _word(_wide(entry["cols"])), name_digest(entry["name"]), _word(root)):
        h = compress(h, w)
    return h


def layout_root(entries):
    """The layout root (hex) of weights.json's entries, in their order: the binary tree of their leaves."""
    level = torch.zeros((1 << tree_depth(len(entries)), 8), dtype=torch.int64)
    for t, e in enumerate(entries):
        level[t] = _leaf(len(entries), t, e)[0]
    while level.shape[0] > 1:
        level = compress(level[0::2], level[1::2])
    return digest_hex(level[0])


def weight_layout(named_tensors):
    """weights.json's contents for (name, tensor) pairs (a model's named_parameters(), tied weights once): each
    tensor rounded to bf16 and committed as its matrix, kinds and blocks from the names, in canonical order.
    Returns (layout, tensors): the dict and the bf16 tensors by name, for weights/initial.safetensors."""
    tensors = {}
    for name, t in named_tensors:
        if not isinstance(name, str) or not name or len(name.encode("utf-8")) > MAX_NAME_BYTES:
            raise WeightsError(f"weight {name!r}: a name of 1 to {MAX_NAME_BYTES} bytes is needed")
        if name in tensors:
            raise WeightsError(f"weight '{name}': given twice")
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise WeightsError(f"weight '{name}': expected a floating-point torch tensor")
        tensors[name] = t.detach().to("cpu", torch.bfloat16).contiguous()
    if not 1 <= len(tensors) <= MAX_WEIGHT_TENSORS:
        raise WeightsError(f"a layout holds 1 to {MAX_WEIGHT_TENSORS} tensors, given {len(tensors)}")
    names = sorted(tensors, key=lambda n: n.encode("utf-8"))
    shapes = [matrix_shape(tensors[n].shape) for n in names]
    for n, (r, c) in zip(names, shapes):
        if r < 1 or c < 1:
            raise WeightsError(f"weight '{n}': shape {list(tensors[n].shape)} is empty")
    committed = commitments([bf16_bits(tensors[n].reshape(r, c)) for n, (r, c) in zip(names, shapes)])
    entries = [{"name": n, "kind": weight_kind(n), "block": weight_block(n), "rows": r, "cols": c,
                "root": digest_hex(root), "tree": digest_hex(tree)}
               for n, (r, c), (root, tree) in zip(names, shapes, committed)]
    layout = {"format": WEIGHTS_FORMAT, "version": WEIGHTS_VERSION, "root": layout_root(entries), "file": INITIAL_WEIGHTS_FILE,
              "tensors": entries}
    return layout, tensors
