"""A small GPT trained in PyTorch and recorded for policies/tiny_gpt.zpol (docs/pytorch.md).

    npx zpol compile policies/tiny_gpt.zpol -o tiny_gpt.zcp
    /usr/bin/python3 integrations/pytorch/examples/tiny_gpt.py --zcp tiny_gpt.zcp --run tiny-gpt-run --steps 4
    npx zpol prove tiny_gpt.zcp --run tiny-gpt-run --out tiny-gpt-proofs
    npx zpol verify tiny_gpt.zcp tiny-gpt-proofs

The model: character tokens, a token embedding tied to the output head, fixed sinusoidal positions, `layers`
pre-norm blocks of causal multi-head attention (a fused q/k/v projection and an output projection) and a ReLU MLP
(d_model → d_ff → d_model), parameter-free layer norms and no biases, so that its parameter count is exactly
std.arch.dense_transformer_params of its dimensions. AdamW, float32 master weights. Block 0's q/k/v and MLP up
projections are CheckedLinear layers (their products in the policy's declared order, bit for bit) and the up
projection's weight gradient is checked too; the other products are ordinary float32 torch.

The data: two sources of text the script generates from a seed, `curated` (sentences from a small grammar) and
`synthetic` (additions written out, "12+7=19."), cut into windows of context + 1 characters, one example per
row. Each step takes batch_rows windows, 1 to batch_rows − 1 of them synthetic, so the synthetic share of tokens
stays within the policy's 25% to 75%. Each step commits the batch's source labels (`labels_root`, one bf16 label per
token row, zpol_torch.source_labels), which the policy counts into the per-source split.

`--nonconforming` records, for block 0's MLP up projection, a product computed with a bf16 accumulator (rounded
after every addition) instead of the declared f32 one: a kernel that does not do what the policy says. Its proof
must fail, naming the step and the clause.
"""

import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from zpol_torch import Recorder, Source, StepTensor, demo_anchor, source_labels, u32_tensor  # noqa: E402
from zpol_torch.gemm import bf16_from_bits, round_to_bf16  # noqa: E402
from zpol_torch.hooks import Capture, CheckedLinear  # noqa: E402

VOCAB = "abcdefghijklmnopqrstuvwxyz .,+=0123456789"
CONFIG = {"layers": 2, "d_model": 16, "heads": 2, "d_ff": 64, "context": 8, "batch_rows": 4, "examples": 64}
# verify clause -> the captured product it checks.
PRODUCTS = {"attn_qkv": "blocks.0.attn.qkv", "mlp_up": "blocks.0.mlp.up", "mlp_up_grad": "blocks.0.mlp.up.grad"}
CURATED, SYNTHETIC = 0, 1


def make_sources(seed, context, examples):
    """The two sources' token windows (int64 [examples, context + 1] each), generated from `seed`."""
    rng = random.Random(seed)
    nouns = ["model", "proof", "policy", "step", "record", "token", "layer", "check"]
    verbs = ["binds", "trains", "proves", "checks", "records", "reads"]
    adjs = ["small", "exact", "sampled", "private", "public", "signed"]
    need = examples * (context + 1)
    curated, synthetic = "", ""
    while len(curated) < need:
        curated += f"the {rng.choice(adjs)} {rng.choice(nouns)} {rng.choice(verbs)} the {rng.choice(nouns)}. "
    while len(synthetic) < need:
        x, y = rng.randrange(100), rng.randrange(100)
        synthetic += f"{x}+{y}={x + y}. "
    index = {ch: i for i, ch in enumerate(VOCAB)}

    def windows(text):
        ids = torch.tensor([index[ch] for ch in text[:need]], dtype=torch.int64)
        return ids.reshape(examples, context + 1)

    return windows(curated), windows(synthetic)


def sinusoidal(context, d):
    pos = torch.arange(context, dtype=torch.float32).unsqueeze(1)
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)
    pe = torch.zeros(context, d)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)
    return pe


class Block(torch.nn.Module):
    def __init__(self, index, cfg, capture, order, checked):
        super().__init__()
        d, d_ff = cfg["d_model"], cfg["d_ff"]
        self.heads = cfg["heads"]
        if index == 0 and checked:
            self.qkv = CheckedLinear(d, 3 * d, f"blocks.{index}.attn.qkv", capture, order)
            self.up = CheckedLinear(d, d_ff, f"blocks.{index}.mlp.up", capture, order, check_grad=True)
        else:
            self.qkv = torch.nn.Linear(d, 3 * d, bias=False)
            self.up = torch.nn.Linear(d, d_ff, bias=False)
        self.proj = torch.nn.Linear(d, d, bias=False)
        self.down = torch.nn.Linear(d_ff, d, bias=False)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(F.layer_norm(x, (d,))).split(d, dim=2)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = (z.reshape(shape).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(2, 3)) / math.sqrt(d // self.heads)
        att = att.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float("-inf"))
        y = (F.softmax(att, dim=3) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.down(F.relu(self.up(F.layer_norm(x, (d,)))))


class TinyGPT(torch.nn.Module):
    def __init__(self, cfg, capture, order="sequential", checked=True):
        super().__init__()
        self.embed = torch.nn.Embedding(len(VOCAB), cfg["d_model"])
        torch.nn.init.normal_(self.embed.weight, std=0.1)
        self.register_buffer("pos", sinusoidal(cfg["context"], cfg["d_model"]))
        self.blocks = torch.nn.ModuleList([Block(i, cfg, capture, order, checked) for i in range(cfg["layers"])])

    def forward(self, ids):
        x = self.embed(ids) + self.pos[: ids.shape[1]]
        for block in self.blocks:
            x = block(x)
        return F.layer_norm(x, (x.shape[-1],)) @ self.embed.weight.t()


def bf16_accumulated(a, bt):
    """The non-conforming product: acc rounded to bf16 after every multiply-add (not the declared f32 acc)."""
    acc = torch.zeros((a.shape[0], bt.shape[0]), dtype=torch.float32)
    for k in range(a.shape[1]):
        acc = round_to_bf16(acc + a[:, k:k + 1].float() * bt[:, k].float().unsqueeze(0)).float()
    return round_to_bf16(acc)


def spec_of(model, cfg):
    return {"arch": "dense_transformer", "params": sum(p.numel() for p in model.parameters()),
            "layers": cfg["layers"], "d_model": cfg["d_model"], "heads": cfg["heads"],
            "head_dim": cfg["d_model"] // cfg["heads"], "d_ff": cfg["d_ff"], "vocab": len(VOCAB),
            "context": cfg["context"], "batch_rows": cfg["batch_rows"]}


def train(steps, seed=1, recorder=None, order="sequential", nonconforming=False, cfg=CONFIG, checked=True):
    """Trains for `steps` steps, recording each when a recorder is given. Returns the per-step losses and
    seconds (training and recording separately). `checked=False` is the baseline: every product torch's own."""
    torch.manual_seed(seed)
    capture = Capture()
    model = TinyGPT(cfg, capture, order, checked)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sources = make_sources(seed, cfg["context"], cfg["examples"])
    if recorder is not None:
        recorder.commit_spec(spec_of(model, cfg))
        names = ("curated", "synthetic")
        recorder.register_sources([
            Source(n, s.to(torch.bfloat16), f"{s.shape[0]} windows of {s.shape[1]} characters (token ids) of {n} text")
            for n, s in zip(names, sources)
        ])
    rng = random.Random(seed + 1)
    rows, ctx = cfg["batch_rows"], cfg["context"]
    out = {"loss": [], "train_s": [], "record_s": []}
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        n_syn = rng.randint(1, rows - 1)
        picks = [(SYNTHETIC if r < n_syn else CURATED, rng.randrange(cfg["examples"])) for r in range(rows)]
        batch = torch.stack([sources[s][i] for s, i in picks])
        capture.clear()
        logits = model(batch[:, :ctx])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        t1 = time.perf_counter()
        if recorder is not None:
            tensors = capture.step_tensors(recorder._run["verify"], PRODUCTS)
            if nonconforming:
                up = tensors["mlp_up.c"]
                up.tensor = bf16_accumulated(tensors["mlp_up.a"].tensor, tensors["mlp_up.bt"].tensor)
            # One source label per committed token row: each sequence's source, repeated over its context.
            tensors["labels"] = StepTensor("labels_root", source_labels([s for s, _ in picks], repeat=ctx))
            fields = {"tokens": rows * ctx, "tokens_by_source": [(rows - n_syn) * ctx, n_syn * ctx]}
            recorder.record_step(step, fields, tensors, metrics={"loss": loss.item()},
                                 extra_tensors={"batch": u32_tensor([rows, 2], [v for p in picks for v in p])})
        t2 = time.perf_counter()
        out["loss"].append(loss.item())
        out["train_s"].append(t1 - t0)
        out["record_s"].append(t2 - t1)
    if recorder is not None:
        recorder.finish()
    return out


def bench(steps, seed=1):
    """Seconds per step (medians) of plain torch, of checked products, and of checked products recorded."""
    import statistics
    import tempfile

    from zpol_torch.commit import commit_bf16

    plain = train(steps, seed, checked=False)
    checked = train(steps, seed)
    directory = tempfile.mkdtemp(prefix="zpol-torch-bench-")
    verify = {name: {"a": f"{name}_a", "b": f"{name}_b", "c": f"{name}_c"} for name in PRODUCTS}
    recorded = train(steps, seed, Recorder.open(directory, "tiny_gpt", verify=verify, anchor=demo_anchor()))
    big = torch.randn(1024, 1024).to(torch.bfloat16)
    t0 = time.perf_counter()
    commit_bf16(big)
    commit_s = time.perf_counter() - t0
    med = statistics.median
    return {"steps": steps, "threads": torch.get_num_threads(), "torch": torch.__version__,
            "plain_train_s": med(plain["train_s"]), "checked_train_s": med(checked["train_s"]),
            "record_s": med(recorded["record_s"]), "loss_first_last": [recorded["loss"][0], recorded["loss"][-1]],
            "commit_1024x1024_s": commit_s}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    if argv[:1] == ["--bench"]:
        print(json.dumps(bench(int(argv[1]) if len(argv) > 1 else 20)))
        return
    p.add_argument("--zcp", required=True, help="the compiled policy (npx zpol compile policies/tiny_gpt.zpol -o tiny_gpt.zcp)")
    p.add_argument("--run", required=True, help="the run directory to write (new, or a run to resume)")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-anchor", action="store_true", help="record without the demo anchor's observations")
    p.add_argument("--nonconforming", action="store_true", help="record a bf16-accumulated MLP up projection")
    args = p.parse_args(argv)
    rec = Recorder.from_zcp(args.run, args.zcp, anchor=None if args.no_anchor else demo_anchor())
    if rec.last_step != 0:
        raise SystemExit(f"{args.run} already holds a recorded run ({rec.last_step} steps); use a new directory")
    order = next(iter(rec.checks.values()))["order"] if rec.checks else "sequential"
    r = train(args.steps, args.seed, rec, order, args.nonconforming)
    print(json.dumps({"steps": args.steps, "loss": [round(x, 4) for x in r["loss"]],
                      "train_s_per_step": sum(r["train_s"]) / args.steps,
                      "record_s_per_step": sum(r["record_s"]) / args.steps}))


if __name__ == "__main__":
    main(sys.argv[1:])
