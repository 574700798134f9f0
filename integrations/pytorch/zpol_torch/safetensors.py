"""Canonical safetensors bytes, as runtime/run/safetensors.ts `encodeSafetensors` writes them: tensors laid out in
the order of their sorted names, the JSON header with sorted keys and no whitespace, padded with spaces to a
multiple of 8 bytes, `__metadata__` only when given; data row-major, little-endian."""

import struct
import sys

import torch

from .canonical import canonical_json

# safetensors dtype names of the torch dtypes the recorder writes.
DTYPES = {
    torch.bfloat16: ("BF16", 2),
    torch.float16: ("F16", 2),
    torch.float32: ("F32", 4),
    torch.float64: ("F64", 8),
    torch.int8: ("I8", 1),
    torch.uint8: ("U8", 1),
    torch.int16: ("I16", 2),
    torch.int32: ("I32", 4),
    torch.int64: ("I64", 8),
    torch.bool: ("BOOL", 1),
}


class SafetensorsError(ValueError):
    """Tensors that cannot be written; the message names the file and the tensor."""


class RawTensor:
    """A tensor given by its safetensors dtype, shape and little-endian bytes (for dtypes torch lacks, e.g. U32)."""

    def __init__(self, dtype, shape, data):
        self.dtype = dtype
        self.shape = list(shape)
        self.data = bytes(data)


def u32_tensor(shape, values):
    """A U32 tensor (torch has no uint32 in 1.13) from non-negative integers, row-major."""
    values = [int(v) for v in values]
    for v in values:
        if not 0 <= v < 2**32:
            raise SafetensorsError(f"u32 value {v} is out of range")
    return RawTensor("U32", shape, struct.pack(f"<{len(values)}I", *values))


def tensor_bytes(t):
    """The little-endian bytes of a torch tensor, row-major."""
    if sys.byteorder != "little":
        raise SafetensorsError("safetensors writing assumes a little-endian host")
    t = t.detach().to("cpu").contiguous()
    try:
        return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
    except (RuntimeError, TypeError):
        # Without numpy (or a dtype numpy lacks): through Python integers.
        return bytes(t.reshape(-1).view(torch.uint8).tolist())


def _entry(name, t, file):
    if isinstance(t, RawTensor):
        return t.dtype, t.shape, t.data
    if t.dtype not in DTYPES:
        raise SafetensorsError(f"{file}: tensor '{name}': dtype {t.dtype} cannot be written")
    return DTYPES[t.dtype][0], list(t.shape), tensor_bytes(t)


def encode_safetensors(tensors, metadata=None, file="<safetensors>"):
    """Canonical safetensors bytes of `tensors` (name -> torch tensor or RawTensor)."""
    names = sorted(tensors, key=lambda n: n.encode("utf-16-be", "surrogatepass"))
    header = {}
    chunks = []
    at = 0
    for name in names:
        if name in ("", "__metadata__"):
            raise SafetensorsError(f"{file}: tensor '{name}': not a valid tensor name")
        dtype, shape, data = _entry(name, tensors[name], file)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [at, at + len(data)]}
        chunks.append(data)
        at += len(data)
    if metadata is not None:
        for k, v in metadata.items():
            if not isinstance(v, str):
                raise SafetensorsError(f"{file}: __metadata__.{k} must be a string")
        header["__metadata__"] = dict(metadata)
    text = canonical_json(header).encode("utf-8")
    padded = (len(text) + 7) // 8 * 8
    return struct.pack("<Q", padded) + text + b" " * (padded - len(text)) + b"".join(chunks)


_TORCH_DTYPES = {name: dtype for dtype, (name, _) in DTYPES.items()}
_SIZES = {"U32": 4, "U16": 2, "U64": 8, "F8_E5M2": 1, "F8_E4M3": 1, **{n: s for n, s in DTYPES.values()}}


def decode_safetensors(data, file="<safetensors>"):
    """Tensors of safetensors bytes, by name: torch tensors, or RawTensor for dtypes torch 1.13 lacks (U32, ...).
    Checks the header length, the header, the dtypes and that the byte spans tile the data buffer exactly."""
    import json

    if len(data) < 8:
        raise SafetensorsError(f"{file}: {len(data)} bytes, too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise SafetensorsError(f"{file}: header length {n} exceeds the {len(data) - 8} bytes after the length field")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except ValueError as e:
        raise SafetensorsError(f"{file}: header is not UTF-8 JSON: {e}") from e
    if not isinstance(header, dict):
        raise SafetensorsError(f"{file}: header is not a JSON object")
    body = data[8 + n:]
    out, spans = {}, []
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dtype, shape, (begin, end) = e["dtype"], e["shape"], e["data_offsets"]
        if dtype not in _SIZES:
            raise SafetensorsError(f"{file}: tensor '{name}': unknown dtype {dtype!r}")
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * _SIZES[dtype] or end > len(body):
            raise SafetensorsError(f"{file}: tensor '{name}': data_offsets [{begin}, {end}] do not hold {dtype} {shape}")
        spans.append((begin, end, name))
        raw = body[begin:end]
        if dtype in _TORCH_DTYPES:
            t = torch.frombuffer(bytearray(raw), dtype=_TORCH_DTYPES[dtype]) if raw else torch.empty(0, dtype=_TORCH_DTYPES[dtype])
            out[name] = t.reshape(shape)
        else:
            out[name] = RawTensor(dtype, shape, raw)
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise SafetensorsError(f"{file}: tensor '{name}': data starts at {begin}, not at {at} (a gap or an overlap)")
        at = end
    if at != len(body):
        raise SafetensorsError(f"{file}: {len(body) - at} bytes after the last tensor")
    return out
