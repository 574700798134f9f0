"""Training and committing on a device: tiny_gpt's --device, refused clearly where the device is missing; on a CUDA
machine (skipped elsewhere), commitments and checked products on the GPU give the CPU's bits, and a step recorded
from CUDA tensors holds products that recompute on the CPU."""

import json
import os
import re
import shutil
import tempfile
import unittest

import torch

from zpol_torch import Recorder, commit_bf16, commit_many_bf16, decode_safetensors
from zpol_torch.gemm import checked_matmul

from .test_example import CFG, VERIFY, tiny_gpt  # the example module, loaded once


def bf16(rows, cols, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g).to(torch.bfloat16)


class DeviceTest(unittest.TestCase):
    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="zpol-torch-device-")

    def tearDown(self):
        shutil.rmtree(self.base, ignore_errors=True)

    def test_a_missing_device_is_refused_before_anything_is_written(self):
        run = os.path.join(self.base, "run")
        missing = "meta:0" if torch.cuda.is_available() else "cuda"
        for device in (missing, "bogus"):
            with self.assertRaises(SystemExit) as e:
                tiny_gpt.main(["--zcp", os.path.join(self.base, "none.zcp"), "--run", run, "--device", device])
            self.assertTrue(str(e.exception.code).startswith(f"--device {device}: "), e.exception.code)
        self.assertFalse(os.path.exists(run))

    def test_commitments_of_tensors_on_several_devices(self):
        # Mixed devices (here the CPU twice, as torch.device objects and strings) commit one by one, same roots.
        ts = [bf16(5, 3, 1), bf16(8, 16, 2).to("cpu")]
        self.assertEqual(commit_many_bf16(ts), [commit_bf16(t) for t in ts])

    @unittest.skipUnless(torch.cuda.is_available(), "no CUDA device")
    def test_cuda_gives_the_cpu_bits(self):
        a, bt = bf16(32, 64, 3), bf16(48, 64, 4)
        self.assertEqual(commit_bf16(a.cuda()), commit_bf16(a))
        self.assertEqual(commit_many_bf16([a.cuda(), bt.cuda()]), commit_many_bf16([a, bt]))
        for order in ("sequential", "tensor_core"):
            gpu = checked_matmul(a.cuda(), bt.cuda().t(), order).cpu()
            self.assertTrue(torch.equal(gpu.view(torch.int16), checked_matmul(a, bt.t(), order).view(torch.int16)), order)

    @unittest.skipUnless(torch.cuda.is_available(), "no CUDA device")
    def test_a_step_trained_on_cuda_records_products_that_recompute_on_the_cpu(self):
        d = os.path.join(self.base, "cuda-run")
        tiny_gpt.train(1, 3, Recorder.open(d, "tiny_gpt", verify=VERIFY), cfg=CFG, device="cuda")
        with open(os.path.join(d, "steps", "000001.json")) as f:
            envelope = json.load(f)
        with open(os.path.join(d, envelope["tensors"]["file"]), "rb") as f:
            tensors = decode_safetensors(f.read())
        self.assertEqual(sorted(products(envelope, tensors)), PRODUCT_KEYS)
        for key, (a, bt, c) in products(envelope, tensors).items():
            self.assertTrue(torch.equal(checked_matmul(a, bt.t()).view(torch.int16), c.view(torch.int16)), key)

    def test_the_products_are_found_in_a_cpu_step(self):
        # What the CUDA test reads, read from a step trained on the CPU: every product, each recomputing.
        d = os.path.join(self.base, "cpu-run")
        tiny_gpt.train(1, 3, Recorder.open(d, "tiny_gpt", verify=VERIFY), cfg=CFG, device=torch.device("cpu"))
        with open(os.path.join(d, "steps", "000001.json")) as f:
            envelope = json.load(f)
        with open(os.path.join(d, envelope["tensors"]["file"]), "rb") as f:
            found = products(envelope, decode_safetensors(f.read()))
        self.assertEqual(sorted(found), PRODUCT_KEYS)
        for key, (a, bt, c) in found.items():
            self.assertTrue(torch.equal(checked_matmul(a, bt.t()).view(torch.int16), c.view(torch.int16)), key)


PRODUCT_KEYS = sorted([f"{n}_a[{l}]" for n, ms in tiny_gpt.PRODUCTS.items() if isinstance(ms, list) for l in range(len(ms))]
                      + [f"{n}_a" for n, ms in tiny_gpt.PRODUCTS.items() if not isinstance(ms, list)])


def products(envelope, tensors):
    """Every checked product of a step, by its a operand's commitment key: (a, bᵀ, c) as recorded."""
    commitments = envelope["tensors"]["commitments"]
    out = {}
    for key in commitments:
        m = re.fullmatch(r"(\w+)_a(\[\d+\])?", key)
        if m:
            out[key] = tuple(tensors[commitments[f"{m.group(1)}_{o}{m.group(2) or ''}"]["tensor"]] for o in "abc")
    return out


if __name__ == "__main__":
    unittest.main()
