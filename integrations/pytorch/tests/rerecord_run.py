"""Records again, with zpol_torch's recorder, the values of a run directory the TypeScript recorder wrote:
the same spec, sources, step fields, tensors and metrics, the same anchor (the demo's). The cross-language test
(test/integrations/pytorch.test.ts) then compares the two directories file by file.

    /usr/bin/python3 tests/rerecord_run.py TS_RUN_DIR OUT_DIR"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from zpol_torch import Recorder, Source, StepTensor, decode_safetensors, demo_anchor  # noqa: E402


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(src, out):
    run = load(os.path.join(src, "run.json"))
    anchor = demo_anchor() if "anchor" in run else None
    if anchor is not None and anchor.public_key != run["anchor"]["public_key"]:
        raise SystemExit(f"{src}: run.json's anchor is not the demo's")
    rec = Recorder.open(out, run["policy"]["name"], policy_digest=run["policy"]["digest"], verify=run.get("verify"),
                        anchor=anchor)
    if os.path.exists(os.path.join(src, "weights.json")):
        layout = load(os.path.join(src, "weights.json"))
        with open(os.path.join(src, layout["file"]), "rb") as f:
            initial = decode_safetensors(f.read(), layout["file"])
        rec.commit_weights([(e["name"], initial[e["name"]]) for e in layout["tensors"]])
    rec.commit_spec(load(os.path.join(src, "spec.json")))
    sources = []
    for e in load(os.path.join(src, "registry.json"))["sources"]:
        with open(os.path.join(src, e["file"]), "rb") as f:
            examples = decode_safetensors(f.read(), e["file"])["examples"]
        sources.append(Source(e["name"], examples, e.get("description")))
    rec.register_sources(sources)
    step = 1
    while os.path.exists(os.path.join(src, "steps", f"{step:06d}.json")):
        env = load(os.path.join(src, "steps", f"{step:06d}.json"))
        with open(os.path.join(src, env["tensors"]["file"]), "rb") as f:
            tensors = decode_safetensors(f.read(), env["tensors"]["file"])
        commits = env["tensors"]["commitments"]
        committed = {c["tensor"]: StepTensor(field, tensors.pop(c["tensor"]), c.get("transposed", False))
                     for field, c in commits.items()}
        # A family's record array (x_root) is filled by the tensors committed to its elements (x_root[l]).
        filled = {re.sub(r"\[[0-9]+\]$", "", f) for f in commits}
        fields = {k: v for k, v in env["record"].items() if k not in filled}
        rec.record_step(step, fields, committed, metrics=env.get("metrics"), extra_tensors=tensors)
        step += 1
    if "finished" in run:
        rec.finish()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
