"""zpol for PyTorch: record a training run as a zpol run directory (docs/run.md) and compute the products that
zpol's `verify` clauses check, bit for bit, in PyTorch. See docs/pytorch.md."""

from .canonical import canonical_json, js_number, write_atomic
from .commit import commit_bf16, commit_many_bf16, root, roots
from .ed25519 import Ed25519Anchor, demo_anchor
from .labels import LabelError, source_labels, token_ids
from .recorder import Recorder, RecorderError, Source, StepTensor, observation_digest
from .safetensors import RawTensor, decode_safetensors, encode_safetensors, u32_tensor
from .weights import WeightsError, weight_block, weight_kind, weight_layout

__all__ = [
    "Ed25519Anchor", "LabelError", "RawTensor", "Recorder", "RecorderError", "Source", "StepTensor", "canonical_json",
    "commit_bf16", "commit_many_bf16", "decode_safetensors", "demo_anchor", "encode_safetensors", "js_number",
    "observation_digest", "root", "roots", "source_labels", "token_ids", "u32_tensor", "weight_block", "weight_kind",
    "weight_layout", "write_atomic", "WeightsError",
]
