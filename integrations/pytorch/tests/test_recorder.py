"""The recorder's refusals and its crash safety, the hashes' known answers (zpol_torch)."""

import json
import os
import tempfile
import unittest

import torch

from zpol_torch import Ed25519Anchor, Recorder, RecorderError, Source, StepTensor
from zpol_torch.blake3 import blake3
from zpol_torch.canonical import CanonicalJsonError, canonical_json


def bf16(rows, cols, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g).to(torch.bfloat16)


VERIFY = {"fc1": {"a": "x_root", "b": "w_root", "c": "h_root"}}


def step_tensors(seed=0):
    x, w = bf16(4, 3, seed), bf16(3, 2, seed + 1)
    h = (x.float() @ w.float()).to(torch.bfloat16)
    return {"x": StepTensor("x_root", x), "wt": StepTensor("w_root", w.t().contiguous(), transposed=True),
            "h": StepTensor("h_root", h)}


class RecorderTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zpol-torch-")
        self.rec = Recorder.open(self.dir, "demo", verify=VERIFY)

    def test_steps_go_in_order_once(self):
        self.rec.record_step(1, {"tokens": 4}, step_tensors())
        with self.assertRaisesRegex(RecorderError, r"step 1 cannot be recorded: the last recorded step is 1, so the next is 2"):
            self.rec.record_step(1, {"tokens": 4}, step_tensors())
        with self.assertRaisesRegex(RecorderError, r"step 3 cannot be recorded"):
            self.rec.record_step(3, {"tokens": 4}, step_tensors())
        self.assertFalse(os.path.exists(os.path.join(self.dir, "steps", "000003.json")))

    def test_refuses_non_bf16_and_non_matrices(self):
        t = step_tensors()
        t["x"] = StepTensor("x_root", torch.zeros(4, 3))
        with self.assertRaisesRegex(RecorderError, r"step 1: tensor 'x' \(record field 'x_root'\): committed tensors must be bfloat16, got torch.float32"):
            self.rec.record_step(1, {"tokens": 4}, t)
        t["x"] = StepTensor("x_root", torch.zeros(4, dtype=torch.bfloat16))
        with self.assertRaisesRegex(RecorderError, r"matrices .* got shape \[4\]"):
            self.rec.record_step(1, {"tokens": 4}, t)
        self.assertEqual(os.listdir(os.path.join(self.dir, "tensors")), [])

    def test_refuses_a_field_given_twice(self):
        with self.assertRaisesRegex(RecorderError, r"record field 'x_root' is given and also receives tensor 'x''s root"):
            self.rec.record_step(1, {"tokens": 4, "x_root": "0" * 64}, step_tensors())

    def test_resumes_after_the_last_step_and_removes_temporary_files(self):
        self.rec.record_step(1, {"tokens": 4}, step_tensors())
        stale = os.path.join(self.dir, "steps", ".000002.json.999.0.tmp")
        with open(stale, "w") as f:
            f.write("half a file")
        again = Recorder.open(self.dir, "demo", verify=VERIFY)
        self.assertEqual(again.last_step, 1)
        self.assertFalse(os.path.exists(stale))
        again.record_step(2, {"tokens": 4}, step_tensors(5))
        with self.assertRaisesRegex(RecorderError, r"records another run"):
            Recorder.open(self.dir, "other", verify=VERIFY)

    def test_a_write_killed_before_its_rename_leaves_no_step_and_the_run_records_it_again(self):
        from unittest import mock

        real = os.replace

        def fail_on_step_file(src, dst):
            if dst.endswith(os.path.join("steps", "000001.json")):
                raise OSError("killed before the rename")
            return real(src, dst)

        with mock.patch("zpol_torch.canonical.os.replace", side_effect=fail_on_step_file):
            with self.assertRaisesRegex(OSError, "killed before the rename"):
                self.rec.record_step(1, {"tokens": 4}, step_tensors())
        self.assertEqual(os.listdir(os.path.join(self.dir, "steps")), [])
        again = Recorder.open(self.dir, "demo", verify=VERIFY)
        self.assertEqual(again.last_step, 0)
        again.record_step(1, {"tokens": 4}, step_tensors())
        self.assertEqual(os.listdir(os.path.join(self.dir, "steps")), ["000001.json"])

    def test_a_finished_run_takes_no_more_steps(self):
        self.rec.record_step(1, {"tokens": 4}, step_tensors())
        self.rec.finish()
        with open(os.path.join(self.dir, "run.json")) as f:
            self.assertEqual(json.load(f)["finished"], {"steps": 1})
        with self.assertRaisesRegex(RecorderError, r"the run was finished after step 1"):
            Recorder.open(self.dir, "demo", verify=VERIFY).record_step(2, {"tokens": 4}, step_tensors())

    def test_registers_sources_by_name(self):
        with self.assertRaisesRegex(RecorderError, r"source 0: name 'Bad Name'"):
            self.rec.register_sources([Source("Bad Name", bf16(2, 2))])
        reg = self.rec.register_sources([Source("curated", bf16(2, 2)), Source("synthetic", bf16(3, 2))])
        self.assertEqual([s["id"] for s in reg["sources"]], [0, 1])
        self.assertTrue(os.path.exists(os.path.join(self.dir, "data", "synthetic.safetensors")))


class FamilyTest(unittest.TestCase):
    """A verify family's operands: record arrays of digests, element l filled by the tensor committed to `x_root[l]`."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zpol-torch-family-")
        family = {"name": "up", "a": "x_root", "b": "w_root", "c": "h_root", "dims": [4, 3, 2],
                  "family": {"variable": "l", "from": 0, "to": 2, "draws": 1}}
        self.rec = Recorder.open(self.dir, "fam", verify={"up": {"a": "x_root", "b": "w_root", "c": "h_root"}},
                                 checks={"up": family})

    def members(self, layers=(0, 1), x_rows=4):
        out = {}
        for l in layers:
            x, w = bf16(x_rows, 3, 2 * l), bf16(3, 2, 2 * l + 1)
            out[f"up.{l}.a"] = StepTensor(f"x_root[{l}]", x)
            out[f"up.{l}.bt"] = StepTensor(f"w_root[{l}]", w.t().contiguous(), transposed=True)
            out[f"up.{l}.c"] = StepTensor(f"h_root[{l}]", (x.float() @ w.float()).to(torch.bfloat16))
        return out

    def test_fills_the_record_arrays_by_element(self):
        env = self.rec.record_step(1, {}, self.members((1, 0)))
        self.assertEqual([len(h) for h in env["record"]["x_root"]], [64, 64])
        self.assertEqual(env["tensors"]["commitments"]["w_root[1]"], {"tensor": "up.1.bt", "shape": [2, 3], "transposed": True})

    def test_refuses_a_missing_member_or_a_member_of_another_shape(self):
        with self.assertRaisesRegex(RecorderError, r"step 1: verify up: operand a \(step.x_root\[1\]\) has no committed tensor"):
            self.rec.record_step(1, {}, self.members((0,)))
        t = self.members()
        t.update({k: v for k, v in self.members((1,), x_rows=5).items() if k.endswith(".a")})
        with self.assertRaisesRegex(RecorderError, r"tensors/commitments/x_root\[1\]/shape: is \[5, 3\], but verify up is compiled for operand a"):
            self.rec.record_step(1, {}, t)
        t = self.members()
        t["up.1.a"] = StepTensor("x_root[3]", t["up.1.a"].tensor)
        with self.assertRaisesRegex(RecorderError, r"record field 'x_root' has no tensor for element 1"):
            self.rec.record_step(1, {}, t)
        self.assertEqual(os.listdir(os.path.join(self.dir, "steps")), [])


class KnownAnswersTest(unittest.TestCase):
    def test_blake3_of_the_empty_input(self):
        self.assertEqual(blake3(b"").hex(), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")

    def test_ed25519_rfc8032_test_1(self):
        a = Ed25519Anchor(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        self.assertEqual(a.public_key, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        self.assertEqual(a.sign(b"").hex(), "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")

    def test_canonical_json_refuses_what_json_cannot_hold(self):
        with self.assertRaisesRegex(CanonicalJsonError, r"\$/loss: nan cannot be written"):
            canonical_json({"loss": float("nan")})
        with self.assertRaisesRegex(CanonicalJsonError, r"not exactly representable"):
            canonical_json(2**60)


if __name__ == "__main__":
    unittest.main()
