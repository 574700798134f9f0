"""A small GPT trained in PyTorch and recorded for policies/tiny_gpt.zpol (docs/pytorch.md).

    npx zpol compile policies/tiny_gpt.zpol -o tiny_gpt.zcp
    /usr/bin/python3 integrations/pytorch/examples/tiny_gpt.py --zcp tiny_gpt.zcp --run tiny-gpt-run --steps 4
    npx zpol prove tiny_gpt.zcp --run tiny-gpt-run --out tiny-gpt-proofs
    npx zpol verify tiny_gpt.zcp tiny-gpt-proofs

The model: character tokens, a token embedding tied to the output head, fixed sinusoidal positions, `layers`
pre-norm blocks of causal multi-head attention (a fused q/k/v projection and an output projection) and a ReLU MLP
(d_model → d_ff → d_model), parameter-free layer norms and no biases, so that its parameter count is exactly
std.arch.dense_transformer_params of its dimensions. AdamW, float32 master weights. Every block's q/k/v and MLP up
projections and the output head are CheckedLinear layers (their products in the policy's declared order, bit for
bit), and block 0's up-projection weight gradient is checked too; the other products are ordinary float32 torch.
The policy's families `attn_qkv` and `mlp_up` check one block of each per step, drawn after the step is
committed, so every block's products are recorded every step (record fields `attn_x_root[l]`, …).

The data: two sources of text the script generates from a seed, `curated` (sentences from a small grammar) and
`synthetic` (additions written out, "12+7=19."), cut into windows of context + 1 characters, one example per
row. Each step takes batch_rows windows, 1 to batch_rows − 1 of them synthetic, so the synthetic share of tokens
stays within the policy's 25% to 75%. The spec commits the two datasets' roots (`datasets`, from registry.json).
Each step commits the batch's source labels (`labels_root`, one bf16 label per sequence, zpol_torch.source_labels),
which the policy counts into the per-source split, its token ids (`ids_root`, batch_rows × context,
zpol_torch.token_ids), whose sampled sequences the step proof opens in their labelled source's dataset, and the
embedded input (`embed_root`, the tied embedding's bf16 rows for those ids, as the head's weights are committed),
whose sampled rows the step proof checks against the head's weights.

`--nonconforming BLOCKS` (`all`, or block numbers such as `1` or `0,1`) records, for those blocks' MLP up
projections, a product computed with a bf16 accumulator (rounded after every addition) instead of the declared
f32 one: a kernel that does not do what the policy says. A step whose drawn block is one of them fails its
proof, naming the step, the clause and the block. (torch.matmul itself, in f32 or bf16, gave the sequential
order's results bit for bit on every product compared with Debian's torch 1.13 on the CPU, so it is no
deviation there; docs/pytorch.md.)

`--other-batch embedding` or `--other-batch ids` trains on a batch that is not the data: every token id of the
sampled windows shifted by one (mod the vocabulary), which no source holds. With `embedding` the step commits the
data batch's ids (as if it had trained on them) and the embedded input of the batch it trained on: its proof fails
`input_is_embedding`. With `ids` it commits the ids it trained on, consistently: its proof fails `ids_from_sources`.
"""

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from zpol_torch import Recorder, Source, StepTensor, demo_anchor, source_labels, token_ids, u32_tensor  # noqa: E402
from zpol_torch.gemm import bf16_from_bits, round_to_bf16  # noqa: E402
from zpol_torch.hooks import Capture, CheckedLinear  # noqa: E402

VOCAB = "abcdefghijklmnopqrstuvwxyz .,+=0123456789"
CONFIG = {"layers": 2, "d_model": 16, "heads": 2, "d_ff": 64, "context": 8, "batch_rows": 4, "examples": 64}
# verify clause -> the captured product it checks; a family's clause, one per block (member l is block l).
PRODUCTS = {
    "attn_qkv": [f"blocks.{l}.attn.qkv" for l in range(CONFIG["layers"])],
    "mlp_up": [f"blocks.{l}.mlp.up" for l in range(CONFIG["layers"])],
    "head": "head",
    "mlp_up_grad": "blocks.0.mlp.up.grad",
}
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
        if checked:
            self.attn_qkv = CheckedLinear(d, 3 * d, f"blocks.{index}.attn.qkv", capture, order)
            self.mlp_up = CheckedLinear(d, d_ff, f"blocks.{index}.mlp.up", capture, order, check_grad=index == 0)
        else:
            self.attn_qkv = torch.nn.Linear(d, 3 * d, bias=False)
            self.mlp_up = torch.nn.Linear(d, d_ff, bias=False)
        self.attn_proj = torch.nn.Linear(d, d, bias=False)
        self.mlp_down = torch.nn.Linear(d_ff, d, bias=False)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.attn_qkv(F.layer_norm(x, (d,))).split(d, dim=2)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = (z.reshape(shape).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(2, 3)) / math.sqrt(d // self.heads)
        att = att.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool, device=x.device), 1), float("-inf"))
        y = (F.softmax(att, dim=3) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.attn_proj(y)
        return x + self.mlp_down(F.relu(self.mlp_up(F.layer_norm(x, (d,)))))


class TinyGPT(torch.nn.Module):
    def __init__(self, cfg, capture, order="sequential", checked=True):
        super().__init__()
        self.embed = torch.nn.Embedding(len(VOCAB), cfg["d_model"])
        torch.nn.init.normal_(self.embed.weight, std=0.1)
        self.register_buffer("pos", sinusoidal(cfg["context"], cfg["d_model"]))
        self.blocks = torch.nn.ModuleList([Block(i, cfg, capture, order, checked) for i in range(cfg["layers"])])
        self.head = None
        if checked:
            # The output head is the embedding, tied: one Parameter, so the parameter count does not change.
            self.head = CheckedLinear(cfg["d_model"], len(VOCAB), "head", capture, order)
            self.head.weight = self.embed.weight

    def forward(self, ids):
        x = self.embed(ids) + self.pos[: ids.shape[1]]
        for block in self.blocks:
            x = block(x)
        x = F.layer_norm(x, (x.shape[-1],))
        return self.head(x) if self.head is not None else x @ self.embed.weight.t()


def bf16_accumulated(a, bt):
    """The non-conforming product: acc rounded to bf16 after every multiply-add (not the declared f32 acc)."""
    acc = torch.zeros((a.shape[0], bt.shape[0]), dtype=torch.float32, device=a.device)
    for k in range(a.shape[1]):
        acc = round_to_bf16(acc + a[:, k:k + 1].float() * bt[:, k].float().unsqueeze(0)).float()
    return round_to_bf16(acc)


def spec_of(model, cfg):
    return {"arch": "dense_transformer", "params": sum(p.numel() for p in model.parameters()),
            "layers": cfg["layers"], "d_model": cfg["d_model"], "heads": cfg["heads"],
            "head_dim": cfg["d_model"] // cfg["heads"], "d_ff": cfg["d_ff"], "vocab": len(VOCAB),
            "context": cfg["context"], "batch_rows": cfg["batch_rows"]}


def train(steps, seed=1, recorder=None, order="sequential", nonconforming=(), cfg=CONFIG, checked=True,
          checkpoint=None, stop_after=None, device="cpu", other_batch=None):
    """Trains for `steps` steps, recording each when a recorder is given. Returns the per-step losses and
    seconds (training and recording separately). `checked=False` is the baseline: every product torch's own.

    With `checkpoint` (a file), the model, the optimizer and the batch sampler's state are saved after every
    recorded step (atomically), and a recorder that resumes a run (its last step k > 0) continues from the
    checkpoint: the steps between the checkpoint's and k (at most one, when a crash came between recording a
    step and saving its checkpoint) are trained again without recording, which gives the same state, since
    training is deterministic; then steps k + 1 … `steps` are trained and recorded. `stop_after` ends after that
    step without finishing the run, as a crash or a preemption would.

    `device` ("cpu", "cuda", …) is where the model trains and the checked products and the commitments are
    computed (zpol_torch works on the tensors' device); the tensors are written from the CPU. The batches are drawn
    on the CPU and moved, so the same seed gives the same batches on any device."""
    torch.manual_seed(seed)
    capture = Capture()
    model = TinyGPT(cfg, capture, order, checked).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sources = make_sources(seed, cfg["context"], cfg["examples"])
    rng = random.Random(seed + 1)
    rows, ctx = cfg["batch_rows"], cfg["context"]
    first = 1
    if recorder is not None and recorder.last_step > 0:
        first = resume(recorder, checkpoint, model, opt, rng)
    elif recorder is not None:
        # Genesis commits the initial weights' layout (weights.json): the policy derives the parameter count, the
        # layers and the class from it (attribute names attn_* and mlp_* give the kinds, docs/run.md).
        weights = recorder.commit_weights(model.named_parameters())
        names = ("curated", "synthetic")
        registry = recorder.register_sources([
            Source(n, token_ids(s), f"{s.shape[0]} windows of {s.shape[1]} characters (token ids) of {n} text")
            for n, s in zip(names, sources)
        ])
        # The spec commits the registry's dataset roots at genesis: the sources the step proofs open sequences in.
        recorder.commit_spec(dict(spec_of(model, cfg), datasets=[s["root"] for s in registry["sources"]],
                                  weights=weights["root"]))
    out = {"loss": [], "train_s": [], "record_s": []}

    def one_step():
        n_syn = rng.randint(1, rows - 1)
        picks = [(SYNTHETIC if r < n_syn else CURATED, rng.randrange(cfg["examples"])) for r in range(rows)]
        batch = torch.stack([sources[s][i] for s, i in picks]).to(device)
        counted = batch[:, :ctx]  # the ids the step commits (--other-batch embedding: not the ones it trains on)
        if other_batch is not None:
            batch = (batch + 1) % len(VOCAB)
            if other_batch == "ids":
                counted = batch[:, :ctx]
        capture.clear()
        ids = batch[:, :ctx]
        logits = model(ids)
        # The embedded input as committed: the embedding's rows for the ids in bf16, as the tied head's weights are
        # committed (before this step's update).
        embedded = model.embed.weight.detach().to(torch.bfloat16)[ids].reshape(-1, cfg["d_model"])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return n_syn, picks, loss, counted, embedded

    for _ in range(first - 1 - (_checkpoint_step(checkpoint) if first > 1 else 0)):
        one_step()  # the step recorded after the last checkpoint: trained again, not recorded again
    for step in range(first, steps + 1):
        t0 = time.perf_counter()
        n_syn, picks, loss, ids, embedded = one_step()
        t1 = time.perf_counter()
        if recorder is not None:
            tensors = capture.step_tensors(recorder._run["verify"], PRODUCTS)
            for l in nonconforming:
                up = tensors[f"mlp_up.{l}.c"]
                up.tensor = bf16_accumulated(tensors[f"mlp_up.{l}.a"].tensor, tensors[f"mlp_up.{l}.bt"].tensor)
            # One source label per sequence, the sequences' token ids and their embeddings.
            tensors["labels"] = StepTensor("labels_root", source_labels([s for s, _ in picks]))
            tensors["ids"] = StepTensor("ids_root", token_ids(ids))
            tensors["embed"] = StepTensor("embed_root", embedded)
            # The weights the step ends with (after its update): the next step's head is checked against them.
            after = recorder.commit_step_weights(step, model.named_parameters())
            fields = {"tokens": rows * ctx, "tokens_by_source": [(rows - n_syn) * ctx, n_syn * ctx],
                      "weights_root": after["root"]}
            recorder.record_step(step, fields, tensors, metrics={"loss": loss.item()},
                                 extra_tensors={"batch": u32_tensor([rows, 2], [v for p in picks for v in p])})
            if checkpoint is not None:
                save_checkpoint(checkpoint, step, model, opt, rng, recorder)
        t2 = time.perf_counter()
        out["loss"].append(loss.item())
        out["train_s"].append(t1 - t0)
        out["record_s"].append(t2 - t1)
        if stop_after is not None and step >= stop_after:
            return out
    if recorder is not None:
        recorder.finish()
    return out


def _step_digest(recorder, step):
    """SHA-256 of the recorded steps/NNNNNN.json: ties a checkpoint to the run and step it was saved after."""
    with open(os.path.join(recorder.dir, "steps", f"{step:06d}.json"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def save_checkpoint(path, step, model, opt, rng, recorder):
    """The state after `step`: model, optimizer, the batch sampler's random state, and the digest of the step's
    record; written atomically."""
    tmp = f"{path}.{os.getpid()}.tmp"
    torch.save({"step": step, "record": _step_digest(recorder, step), "model": model.state_dict(),
                "optimizer": opt.state_dict(), "rng": rng.getstate()}, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _checkpoint_step(path):
    return torch.load(path, map_location="cpu")["step"]


def resume(recorder, path, model, opt, rng):
    """Loads the checkpoint of the run `recorder` resumes (its state after the last recorded step, or the one
    before); returns the first step to record."""
    last = recorder.last_step
    if path is None or not os.path.exists(path):
        raise SystemExit(f"the run already holds {last} recorded steps; resuming needs the checkpoint its training "
                         f"saved ({path or 'none given: --checkpoint FILE'})")
    state = torch.load(path, map_location="cpu")  # load_state_dict puts it on the model's device
    if not last - 1 <= state["step"] <= last:
        raise SystemExit(f"{path} holds the state after step {state['step']}, but the run's last recorded step is {last}: "
                         "it is another run's checkpoint, or the run was recorded without it")
    if state["step"] > 0 and state["record"] != _step_digest(recorder, state["step"]):
        raise SystemExit(f"{path} was saved after another run's step {state['step']}: the run's steps/{state['step']:06d}.json "
                         "is not the record it was saved with")
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    rng.setstate(state["rng"])
    return last + 1


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
    p.add_argument("--checkpoint", help="save the training state here after every step, and resume from it when the "
                   "run directory already holds steps (default: RUN.checkpoint.pt beside the run directory)")
    p.add_argument("--stop-after", type=int, metavar="STEP", help="stop after this step without finishing the run "
                   "(a later call with the same --run resumes it)")
    p.add_argument("--device", default="cpu", help="where to train and commit: cpu (default), cuda, cuda:1, …")
    p.add_argument("--other-batch", choices=["embedding", "ids"],
                   help="train on token ids no source holds, committing the data's ids with that batch's embedding "
                   "('embedding') or that batch's own ids ('ids'): the step proof fails, naming the clause")
    p.add_argument("--nonconforming", metavar="BLOCKS", default="",
                   help="record a bf16-accumulated MLP up projection in these blocks ('all', or numbers such as 0,1)")
    args = p.parse_args(argv)
    try:
        device = torch.device(args.device)
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError) as e:
        raise SystemExit(f"--device {args.device}: {str(e).splitlines()[0]}")
    blocks = range(CONFIG["layers"]) if args.nonconforming == "all" else [int(b) for b in args.nonconforming.split(",") if b]
    if any(b < 0 or b >= CONFIG["layers"] for b in blocks):
        raise SystemExit(f"--nonconforming: the model has blocks 0 to {CONFIG['layers'] - 1}, got {args.nonconforming}")
    rec = Recorder.from_zcp(args.run, args.zcp, anchor=None if args.no_anchor else demo_anchor())
    if rec.last_step >= args.steps:
        raise SystemExit(f"{args.run} already holds {rec.last_step} recorded steps, --steps {args.steps}; use a new directory")
    order = next(iter(rec.checks.values()))["order"] if rec.checks else "sequential"
    checkpoint = args.checkpoint or f"{os.path.normpath(args.run)}.checkpoint.pt"
    first = rec.last_step + 1
    r = train(args.steps, args.seed, rec, order, list(blocks), checkpoint=checkpoint, stop_after=args.stop_after,
              device=device, other_batch=args.other_batch)
    n = len(r["loss"])
    print(json.dumps({"steps": [first, first + n - 1], "loss": [round(x, 4) for x in r["loss"]],
                      "train_s_per_step": sum(r["train_s"]) / n, "record_s_per_step": sum(r["record_s"]) / n}))


if __name__ == "__main__":
    main(sys.argv[1:])
