"""CheckedLinear and Capture (zpol_torch.hooks), and the recorder's refusal of shapes a policy was not compiled for."""

import json
import os
import tempfile
import unittest

import torch

from zpol_torch import Recorder, RecorderError
from zpol_torch.gemm import GemmError, checked_matmul
from zpol_torch.hooks import Capture, CheckedLinear

VERIFY = {"up": {"a": "x_root", "b": "w_root", "c": "h_root"}, "up_grad": {"a": "xt_root", "b": "dy_root", "c": "dw_root"}}
PRODUCTS = {"up": "up", "up_grad": "up.grad"}


def zcp(path, dims_up=(6, 4, 5)):
    """A compiled policy's fields the recorder reads (name, digest, verifies)."""
    m, k, n = dims_up
    verifies = [dict(name="up", dims=[m, k, n], order="sequential", **VERIFY["up"]),
                dict(name="up_grad", dims=[k, m, n], order="sequential", **VERIFY["up_grad"])]
    with open(path, "w") as f:
        json.dump({"policy": {"name": "hooks"}, "digest": "ab" * 32, "verifies": verifies}, f)
    return path


class HooksTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.capture = Capture()
        self.layer = CheckedLinear(4, 5, "up", self.capture, check_grad=True)
        self.x = torch.randn(2, 3, 4, requires_grad=True)

    def step(self):
        self.capture.clear()
        y = self.layer(self.x)
        (y * y).sum().backward()
        return y

    def test_forward_is_the_checked_product_and_is_captured(self):
        y = self.step()
        p = self.capture.products["up"]
        self.assertEqual(list(p.a.shape), [6, 4])
        self.assertEqual(list(p.bt.shape), [5, 4])
        want = checked_matmul(self.x.detach().reshape(6, 4).to(torch.bfloat16), self.layer.weight.detach().to(torch.bfloat16).t())
        self.assertTrue(torch.equal(p.c.view(torch.int16), want.view(torch.int16)))
        self.assertTrue(torch.equal(y.detach().reshape(6, 5), want.float()))

    def test_the_weight_gradient_is_the_checked_x_transpose_dy(self):
        self.step()
        g = self.capture.products["up.grad"]
        self.assertEqual([list(g.a.shape), list(g.bt.shape), list(g.c.shape)], [[4, 6], [5, 6], [4, 5]])
        want = checked_matmul(g.a, g.bt.t())
        self.assertTrue(torch.equal(g.c.view(torch.int16), want.view(torch.int16)))
        self.assertTrue(torch.equal(self.layer.weight.grad, g.c.float().t()))
        self.assertIsNotNone(self.x.grad)

    def test_a_product_captured_twice_in_a_step_is_refused(self):
        self.step()
        with self.assertRaisesRegex(RecorderError, r"product 'up' was computed twice in one step"):
            self.layer(self.x)

    def test_a_wrong_input_width_names_the_layer(self):
        with self.assertRaisesRegex(GemmError, r"up: input has 3 features, the layer takes 4"):
            self.layer(torch.randn(2, 3))

    def test_records_the_captured_products_and_refuses_other_shapes(self):
        d = tempfile.mkdtemp(prefix="zpol-torch-")
        self.step()
        rec = Recorder.from_zcp(os.path.join(d, "run"), zcp(os.path.join(d, "p.zcp")))
        env = rec.record_step(1, {"tokens": 6}, self.capture.step_tensors(VERIFY, PRODUCTS))
        self.assertEqual(env["tensors"]["commitments"]["w_root"], {"shape": [5, 4], "tensor": "up.bt", "transposed": True})
        other = Recorder.from_zcp(os.path.join(d, "run2"), zcp(os.path.join(d, "q.zcp"), (8, 4, 5)))
        with self.assertRaisesRegex(RecorderError, r"step 1: tensors/commitments/x_root/shape: is \[6, 4\], but verify up is compiled for operand a \(step.x_root\) of shape \[8, 4\]"):
            other.record_step(1, {"tokens": 6}, self.capture.step_tensors(VERIFY, PRODUCTS))
        with self.assertRaisesRegex(RecorderError, r"verify up_grad: product 'nope' was not computed this step"):
            self.capture.step_tensors(VERIFY, {"up_grad": "nope"})


if __name__ == "__main__":
    unittest.main()
