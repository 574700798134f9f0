"""zpol_torch.weight_layout: the initial weights' layout, as runtime/run/weights.ts builds it (the cross-language
test compares the bytes of weights.json and weights/initial.safetensors for the demo's weights)."""

import unittest

import torch

from zpol_torch import WeightsError, weight_block, weight_kind, weight_layout


class WeightLayout(unittest.TestCase):
    def test_kinds_and_blocks_follow_the_names(self):
        cases = {
            "model.layers.3.self_attn.q_proj.weight": ("attention", 3),
            "model.layers.3.mlp.gate_proj.weight": ("mlp", 3),
            "model.layers.3.block_sparse_moe.gate.weight": ("router", 3),
            "model.layers.3.block_sparse_moe.experts.5.w1.weight": ("expert", 3),
            "model.layers.3.post_attention_layernorm.weight": ("norm", 3),
            "transformer.h.0.ln_1.weight": ("norm", 0),
            "embed.weight": ("embedding", 0),
            "blocks.1.attn_qkv.weight": ("attention", 1),
            "blocks.1.mlp_down.weight": ("mlp", 1),
            "lm_head.weight": ("head", 0),
            "fc1.weight": ("linear", 0),
        }
        for name, want in cases.items():
            with self.subTest(name=name):
                self.assertEqual((weight_kind(name), weight_block(name)), want)

    def test_layout_is_canonical_and_counts_every_value(self):
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
        layout, tensors = weight_layout(model.named_parameters())
        self.assertEqual([e["name"] for e in layout["tensors"]], ["0.bias", "0.weight", "2.bias", "2.weight"])
        self.assertEqual([(e["rows"], e["cols"]) for e in layout["tensors"]], [(1, 8), (8, 4), (1, 2), (2, 8)])
        self.assertEqual(sum(e["rows"] * e["cols"] for e in layout["tensors"]), 58)
        self.assertTrue(all(t.dtype == torch.bfloat16 for t in tensors.values()))
        again, _ = weight_layout(model.named_parameters())
        self.assertEqual(again["root"], layout["root"])
        with torch.no_grad():
            model[0].bias[0] += 1.0
        self.assertNotEqual(weight_layout(model.named_parameters())[0]["root"], layout["root"])

    def test_refuses_what_cannot_be_committed(self):
        for named, message in (([], r"1 to 65536 tensors"), ([("a", torch.zeros(2)), ("a", torch.zeros(2))], r"'a': given twice"),
                               ([("a", torch.zeros(2, dtype=torch.int64))], r"floating-point"), ([("a", torch.zeros(0))], r"is empty")):
            with self.subTest(message=message):
                with self.assertRaisesRegex(WeightsError, message):
                    weight_layout(named)

    def test_a_step_layout_lists_roots_only_and_names_its_step(self):
        import json, os, tempfile
        from zpol_torch import Recorder
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
        with tempfile.TemporaryDirectory() as d:
            rec = Recorder.open(os.path.join(d, "run"), "demo")
            initial = rec.commit_weights(model.named_parameters())
            after = rec.commit_step_weights(1, model.named_parameters())
            with open(os.path.join(d, "run", "weights", "000001.json"), encoding="utf-8") as f:
                written = json.load(f)
        self.assertEqual(written, after)
        self.assertEqual(after["step"], 1)
        self.assertNotIn("file", after)
        # The same values: the same roots as the initial layout (values are not written).
        self.assertEqual(after["root"], initial["root"])
        self.assertEqual(after["tensors"], initial["tensors"])


if __name__ == "__main__":
    unittest.main()
