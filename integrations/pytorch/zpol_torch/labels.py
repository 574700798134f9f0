"""Source labels and token ids (docs/run.md, "Source labels", "Token ids and embeddings"): the [R, 1] bfloat16 tensor a step commits so that a policy's
`count_labels(step.F, R, N)` counts its per-source split in the step proof. Row r holds the registry index of the
source of row r of the batch, as a bfloat16 whole number (exact up to 256), as runtime/run/labels.ts writes it.

    rec.record_step(step, fields, {..., "labels": StepTensor("labels_root", source_labels(ids, repeat=context))})
"""

MAX_LABEL_SOURCES = 256


class LabelError(ValueError):
    """A source id that a label tensor cannot hold (not a whole number from 0 to 256)."""


def source_labels(ids, repeat=1):
    """The [len(ids) * repeat, 1] bfloat16 label tensor of `ids` (registry indices, one per example: a list of
    ints or a 1-dimensional integer tensor), each repeated `repeat` times (one label per committed row: a sequence
    of `context` token rows repeats its example's source `context` times)."""
    import torch

    if isinstance(ids, torch.Tensor):
        if ids.dim() != 1 or ids.dtype.is_floating_point or ids.dtype == torch.bool:
            raise LabelError(f"source ids: expected a 1-dimensional integer tensor, got {ids.dtype} of shape {list(ids.shape)}")
        ids = ids.tolist()
    ids = list(ids)
    if not ids:
        raise LabelError("source ids: a batch has at least one example")
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
        raise LabelError(f"repeat must be a whole number of rows per example, at least 1, got {repeat!r}")
    for r, s in enumerate(ids):
        if not isinstance(s, int) or isinstance(s, bool) or s < 0 or s > MAX_LABEL_SOURCES:
            raise LabelError(f"source id of example {r}: a source label is a whole number from 0 to {MAX_LABEL_SOURCES}, got {s!r}")
    # Whole numbers up to 256 are exact in bfloat16: the conversion rounds nothing.
    rows = torch.tensor(ids, dtype=torch.float32).repeat_interleave(repeat)
    return rows.to(torch.bfloat16).reshape(-1, 1)


def token_ids(ids):
    """The bfloat16 tensor of token ids `ids` (a 2-dimensional integer tensor, [sequences, tokens]: a batch, or a
    source's windows), each id as the bfloat16 whole number it is (exact up to 256, the most rows an embedding table
    checked by `embeds` can have: docs/run.md, "Token ids and embeddings"). Ids outside 0..256 are refused."""
    import torch

    if not isinstance(ids, torch.Tensor) or ids.dim() != 2 or ids.dtype.is_floating_point or ids.dtype == torch.bool:
        got = f"{ids.dtype} of shape {list(ids.shape)}" if isinstance(ids, torch.Tensor) else type(ids).__name__
        raise LabelError(f"token ids: expected a 2-dimensional integer tensor, got {got}")
    if ids.numel() == 0:
        raise LabelError("token ids: a batch has at least one token")
    bad = ((ids < 0) | (ids > MAX_LABEL_SOURCES)).nonzero()
    if len(bad) > 0:
        r, c = bad[0].tolist()
        raise LabelError(f"token id at [{r}, {c}]: an id committed as bf16 is a whole number from 0 to {MAX_LABEL_SOURCES}, got {ids[r, c].item()}")
    return ids.to(torch.float32).to(torch.bfloat16)
