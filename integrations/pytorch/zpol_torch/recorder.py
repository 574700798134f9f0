"""The run-directory recorder for PyTorch: writes what docs/run.md specifies, byte for byte what the TypeScript
recorder (runtime/run/recorder.ts) writes for the same values.

    rec = Recorder.open(dir, "tiny_gpt", verify={"mlp_up": {"a": "x_root", "b": "w_root", "c": "h_root"}},
                        anchor=Ed25519Anchor(seed))
    rec.commit_spec({"arch": "dense_transformer", "params": 1234, ...})
    rec.register_sources([Source("curated", examples_bf16), Source("synthetic", ...)])
    rec.record_step(1, {"tokens": 64, "tokens_by_source": [30, 34]},
                    {"x": StepTensor("x_root", x), "wt": StepTensor("w_root", w.t(), transposed=True),
                     "h": StepTensor("h_root", h)},
                    metrics={"loss": 2.31})
    rec.finish()

Every file is written atomically; a step's tensors file before its step file. Opening an existing directory
resumes after its last step when run.json describes the same run, and refuses otherwise; a step recorded twice,
or out of order, is refused before anything is written.
"""

import json
import os
import re

from .blake3 import blake3
from .canonical import canonical_json, remove_stale_temps, write_atomic
from .commit import CommitError, commit_many_bf16
from .safetensors import encode_safetensors
from .weights import INITIAL_WEIGHTS_FILE, WEIGHTS_DIR, WEIGHTS_FILE, WeightsError, weight_layout

# The run format's version (runtime/run/format.ts RUN_FORMAT_VERSION): 2 since tensor roots are chunked and commit
# their shapes (commit.py).
RUN_FORMAT_VERSION = 2
RUN_FILE, SPEC_FILE, REGISTRY_FILE = "run.json", "spec.json", "registry.json"
STEPS_DIR, TENSORS_DIR, DATA_DIR = "steps", "tensors", "data"
OBSERVATION_DOMAIN = "zpol-run-observation-v1\n"
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A commitment's record field: a digest field, or element u of an array of digests, `x_root[u]` (a family's operand).
_COMMITTED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(0|[1-9][0-9]*)\])?$")
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class RecorderError(ValueError):
    """Misuse of the recorder (a step out of order or twice, a field given twice, a malformed name or tensor).
    The message names the step, the field or the tensor."""


def step_name(step):
    if not isinstance(step, int) or isinstance(step, bool) or step < 1:
        raise RecorderError(f"steps are numbered from 1, got {step!r}")
    return f"{step:06d}"


def step_file(step):
    return f"{STEPS_DIR}/{step_name(step)}.json"


def tensors_file(step):
    return f"{TENSORS_DIR}/{step_name(step)}.safetensors"


def member_field(field, index):
    """The commitment key of element `index` of a record array of digests: `FIELD[INDEX]` (docs/run.md)."""
    return f"{field}[{index}]"


class StepTensor:
    """A 2-dimensional bfloat16 tensor whose root goes into record field `field`, or into element u of an array
    of digests when `field` is `NAME[u]` (a verify family's member); `transposed` when it is the transpose of the
    operand (a verify clause's b is committed as bᵀ)."""

    def __init__(self, field, tensor, transposed=False):
        self.field = field
        self.tensor = tensor
        self.transposed = transposed


class Source:
    """A data source: its examples, a 2-dimensional bfloat16 tensor, one example per row."""

    def __init__(self, name, examples, description=None):
        self.name = name
        self.examples = examples
        self.description = description


def observation_digest(policy, step, record, tensors):
    """BLAKE3("zpol-run-observation-v1\\n" ‖ canonical JSON of { policy, step, record, tensors })."""
    body = canonical_json({"policy": policy, "step": step, "record": record, "tensors": tensors})
    return blake3((OBSERVATION_DOMAIN + body).encode("utf-8"))


def _check_field(name, what):
    if not isinstance(name, str) or not _FIELD.match(name):
        raise RecorderError(f"{what} {name!r} is not a field name (letters, digits and _, not starting with a digit)")


def _check_bf16_matrix(t, what):
    import torch

    if not isinstance(t, torch.Tensor):
        raise RecorderError(f"{what}: expected a torch tensor, got {type(t).__name__}")
    if t.dtype != torch.bfloat16:
        raise RecorderError(f"{what}: committed tensors must be bfloat16, got {t.dtype} (round with .to(torch.bfloat16))")
    if t.dim() != 2 or t.shape[0] < 1 or t.shape[1] < 1:
        raise RecorderError(f"{what}: committed tensors are matrices with at least one row and column, got shape {list(t.shape)}")


class Recorder:
    def __init__(self, directory, run, anchor, last, checks):
        self.dir = directory
        self._run = run
        self._anchor = anchor
        self._last = last
        self.checks = checks

    @classmethod
    def from_zcp(cls, directory, zcp_path, anchor=None):
        """Opens `directory` for a run of the compiled policy `zcp_path` (`zpol compile`'s .zcp): its name and
        digest, its verify clauses' operands, and their dims, so that a tensor of a shape the policy was not
        compiled for is refused when the step is recorded, not when it is proven."""
        with open(zcp_path, encoding="utf-8") as f:
            zcp = json.load(f)
        checks = {v["name"]: v for v in zcp.get("verifies", [])}
        verify = {n: {"a": v["a"], "b": v["b"], "c": v["c"]} for n, v in checks.items()}
        return cls.open(directory, zcp["policy"]["name"], policy_digest=zcp["digest"], verify=verify or None,
                        anchor=anchor, checks=checks)

    @classmethod
    def open(cls, directory, policy_name, policy_digest=None, verify=None, anchor=None, checks=None):
        """Opens `directory` for a run of `policy_name`: creates it and run.json, or resumes after its last
        recorded step when run.json describes the same run. Temporary files of killed writers are removed."""
        _check_field(policy_name, "policy name")
        if policy_digest is not None and not _HEX64.match(str(policy_digest)):
            raise RecorderError(f"policy digest must be 64 lowercase hex digits, got {policy_digest!r}")
        for clause, ops in (verify or {}).items():
            _check_field(clause, "verify clause")
            if set(ops) != {"a", "b", "c"}:
                raise RecorderError(f"verify clause '{clause}' needs exactly the operands a, b and c, got {sorted(ops)}")
            for o in "abc":
                _check_field(ops[o], f"verify {clause}: operand {o}")
        run = {"format": "zpol-run", "version": RUN_FORMAT_VERSION, "policy": {"name": policy_name, "digest": policy_digest}}
        if verify:
            run["verify"] = {k: dict(v) for k, v in verify.items()}
        if anchor is not None:
            run["anchor"] = {"algorithm": "ed25519", "public_key": anchor.public_key}
        for d in (STEPS_DIR, TENSORS_DIR, DATA_DIR):
            os.makedirs(os.path.join(directory, d), exist_ok=True)
        for d in (".", STEPS_DIR, TENSORS_DIR, DATA_DIR):
            remove_stale_temps(os.path.join(directory, d))
        path = os.path.join(directory, RUN_FILE)
        last = 0
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                existing = f.read()
            try:
                finished = json.loads(existing).get("finished")
            except ValueError:
                finished = None
            if finished is not None:
                run["finished"] = finished
            if existing != canonical_json(run, pretty=True):
                flat = " ".join(existing.split())
                raise RecorderError(
                    f"{path} records another run ({flat}); open it with the same policy, verify clauses and anchor, "
                    "or use a new directory"
                )
            while os.path.exists(os.path.join(directory, step_file(last + 1))):
                last += 1
        else:
            write_atomic(path, canonical_json(run, pretty=True))
        return cls(directory, run, anchor, last, checks or {})

    @property
    def last_step(self):
        """The last step recorded (0 before the first)."""
        return self._last

    def _write_json(self, name, value):
        write_atomic(os.path.join(self.dir, name), canonical_json(value, pretty=True))

    def finish(self):
        """Marks the run as ended after the last recorded step (run.json `finished`)."""
        run = dict(self._run, finished={"steps": self._last})
        self._write_json(RUN_FILE, run)
        self._run = run

    def set_policy_digest(self, digest):
        """Sets the compiled policy's digest (the .zcp's `digest`) in run.json."""
        if not isinstance(digest, str) or not _HEX64.match(digest):
            raise RecorderError(f"policy digest must be 64 lowercase hex digits, got {digest!r}")
        run = dict(self._run, policy={"name": self._run["policy"]["name"], "digest": digest})
        self._write_json(RUN_FILE, run)
        self._run = run

    def commit_spec(self, spec):
        """Writes spec.json: the policy's spec record in run-value form."""
        for k in spec:
            _check_field(k, "spec field")
        self._write_json(SPEC_FILE, spec)

    def commit_weights(self, named_tensors):
        """Writes the initial weights (weights/initial.safetensors, bf16 under their names and shapes) and
        weights.json, their layout (zpol_torch.weights): pass model.named_parameters() before the first step.
        Returns the layout; its `root` is what the policy's spec field commits (put it in the spec)."""
        try:
            layout, tensors = weight_layout(named_tensors)
        except WeightsError as e:
            raise RecorderError(str(e)) from None
        os.makedirs(os.path.join(self.dir, WEIGHTS_DIR), exist_ok=True)
        write_atomic(os.path.join(self.dir, INITIAL_WEIGHTS_FILE), encode_safetensors(tensors))
        self._write_json(WEIGHTS_FILE, layout)
        return layout

    def commit_step_weights(self, step, named_tensors):
        """Writes weights/NNNNNN.json, the layout of the weights step `step` ends with (pass
        model.named_parameters() after the optimizer step): each tensor's root after the update, no values, and the
        step. Returns the layout; its `root` is what the step's record commits (the policy's `weights_root`), and the
        next step's bound compute checks open their weights in it (docs/run.md)."""
        try:
            layout, _ = weight_layout(named_tensors)
        except WeightsError as e:
            raise RecorderError(str(e)) from None
        del layout["file"]
        layout["step"] = step
        os.makedirs(os.path.join(self.dir, WEIGHTS_DIR), exist_ok=True)
        self._write_json(f"{WEIGHTS_DIR}/{step_name(step)}.json", layout)
        return layout

    def register_sources(self, sources):
        """Writes each source's examples (data/NAME.safetensors) and registry.json with their roots; ids in order."""
        if not sources:
            raise RecorderError("registry.json needs at least one source")
        entries = []
        for i, s in enumerate(sources):
            if not isinstance(s.name, str) or not _SOURCE.match(s.name):
                raise RecorderError(f"source {i}: name {s.name!r} must be lowercase letters, digits, _ and -")
            _check_bf16_matrix(s.examples, f"source '{s.name}': examples")
            entry = {"id": i, "name": s.name, "file": f"{DATA_DIR}/{s.name}.safetensors",
                     "shape": list(s.examples.shape), "root": None}
            if s.description:
                entry["description"] = s.description
            entries.append(entry)
        for e, h in zip(entries, commit_many_bf16([s.examples for s in sources])):
            e["root"] = h
        for s, e in zip(sources, entries):
            write_atomic(os.path.join(self.dir, e["file"]), encode_safetensors({"examples": s.examples}))
        registry = {"format": "zpol-run-registry", "version": RUN_FORMAT_VERSION, "sources": entries}
        self._write_json(REGISTRY_FILE, registry)
        return registry

    def record_step(self, step, fields, tensors, metrics=None, extra_tensors=None):
        """Records step `step` (the next one): commits each tensor (name -> StepTensor) and puts its root into its
        record field, writes tensors/NNNNNN.safetensors (the committed tensors and `extra_tensors`), then
        steps/NNNNNN.json. Everything is checked before anything is written. Returns the step envelope."""
        if "finished" in self._run:
            raise RecorderError(f"step {step} cannot be recorded: the run was finished after step {self._run['finished']['steps']}")
        if step != self._last + 1:
            nxt = "the first step is 1" if self._last == 0 else f"the last recorded step is {self._last}, so the next is {self._last + 1}"
            raise RecorderError(f"step {step} cannot be recorded: {nxt}")
        record = dict(fields)
        for k in record:
            _check_field(k, f"step {step}: record field")
        commitments, file_tensors = {}, {}
        for name, t in tensors.items():
            m = _COMMITTED.match(t.field) if isinstance(t.field, str) else None
            if m is None:
                raise RecorderError(f"step {step}: tensor '{name}': record field {t.field!r} is not a field name (letters, digits and _, not starting with a digit), or NAME[INDEX]")
            if m.group(1) in fields:
                raise RecorderError(f"step {step}: record field '{m.group(1)}' is given and also receives tensor '{name}''s root")
            if t.field in commitments:
                raise RecorderError(f"step {step}: two tensors commit to record field '{t.field}'")
            _check_bf16_matrix(t.tensor, f"step {step}: tensor '{name}' (record field '{t.field}')")
            commitments[t.field] = {"tensor": name, "shape": list(t.tensor.shape)}
            if t.transposed:
                commitments[t.field]["transposed"] = True
            file_tensors[name] = t.tensor
        committed = list(tensors.values())
        try:
            hexes = commit_many_bf16([t.tensor for t in committed])
        except CommitError as e:
            raise RecorderError(f"step {step}: {e}") from e
        for t, h in zip(committed, hexes):
            _place_root(record, t.field, h, step)
        for k, v in record.items():
            if isinstance(v, list) and k not in fields and None in v:
                raise RecorderError(f"step {step}: record field '{k}' has no tensor for element {v.index(None)} "
                                    f"(tensors commit to {k}[0] … {k}[{len(v) - 1}])")
        for name, t in (extra_tensors or {}).items():
            if name in file_tensors:
                raise RecorderError(f"step {step}: tensor '{name}' is given twice")
            file_tensors[name] = t
        self._check_shapes(step, commitments)
        data = encode_safetensors(file_tensors, None, tensors_file(step))
        info = {"file": tensors_file(step), "blake3": blake3(data).hex(), "commitments": commitments}
        envelope = {"format": "zpol-run-step", "version": RUN_FORMAT_VERSION, "step": step, "record": record, "tensors": info}
        if metrics is not None:
            envelope["metrics"] = {k: float(v) if not isinstance(v, int) else v for k, v in metrics.items()}
        if self._anchor is not None:
            digest = observation_digest(self._run["policy"]["name"], step, record, info)
            envelope["observation"] = {"digest": digest.hex(), "signature": self._anchor.sign(digest).hex()}
        text = canonical_json(envelope, pretty=True)
        write_atomic(os.path.join(self.dir, tensors_file(step)), data)
        write_atomic(os.path.join(self.dir, step_file(step)), text)
        self._last = step
        return envelope

    def _check_shapes(self, step, commitments):
        """Every compiled check's operands are committed, b transposed, with the shapes of its dims [M, K, N]; a
        family's, every member's (`x_root[l]`)."""
        for name, v in self.checks.items():
            family = v.get("family")
            for member in range(family["from"], family["to"]) if family else [None]:
                self._check_member_shapes(step, commitments, name, v, member)

    def _check_member_shapes(self, step, commitments, name, v, member):
        m, k, n = v["dims"]
        for o, want, what in (("a", [m, k], "a is M×K"), ("b", [n, k], "b is committed as bᵀ, N×K"), ("c", [m, n], "c is M×N")):
            field = v[o] if member is None else member_field(v[o], member)
            got = commitments.get(field)
            if got is None:
                raise RecorderError(f"step {step}: verify {name}: operand {o} (step.{field}) has no committed tensor")
            if got["shape"] != want:
                raise RecorderError(
                    f"step {step}: tensors/commitments/{field}/shape: is {got['shape']}, but verify {name} is compiled "
                    f"for operand {o} (step.{field}) of shape {want} (dims [M, K, N] = [{m}, {k}, {n}]: {what})"
                )
            if (o == "b") != bool(got.get("transposed")):
                raise RecorderError(f"step {step}: verify {name}: operand {o} (step.{field}) must {'' if o == 'b' else 'not '}be committed transposed")


def _place_root(record, key, root, step):
    """Puts a root into field `key`, or into element u of the array NAME for a key `NAME[u]`."""
    m = _COMMITTED.match(key)
    field, index = m.group(1), m.group(2)
    if index is None:
        record[field] = root
        return
    v = record.setdefault(field, [])
    if not isinstance(v, list):
        raise RecorderError(f"step {step}: record field '{field}' holds a root and also receives the root of {key}")
    index = int(index)
    v.extend([None] * (index + 1 - len(v)))
    v[index] = root
