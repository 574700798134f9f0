"""Checked products (zpol_torch.gemm): refusals, agreement with an element-by-element reference, and
that the declared order changes the f32 accumulators (rarely the bf16 outputs: a few ulps of f32 seldom
move a bf16 rounding)."""

import unittest

import torch

from zpol_torch.gemm import GemmError, blocked_acc, checked_matmul, f32_bits, round_to_bf16, sequential_acc, tensor_core_acc


def bf16(rows, cols, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, cols, generator=g).to(torch.bfloat16)


def fma_reference(a, b):
    """acc ← f32(acc + a·b) one scalar at a time, in Python floats (float64) rounded through a float32 tensor."""
    m, k = a.shape
    n = b.shape[1]
    out = torch.zeros(m, n, dtype=torch.float32)
    for i in range(m):
        for j in range(n):
            acc = torch.zeros((), dtype=torch.float32)
            for t in range(k):
                acc = torch.tensor(float(acc) + float(a[i, t]) * float(b[t, j]), dtype=torch.float64).to(torch.float32)
            out[i, j] = acc
    return round_to_bf16(out)


class GemmTest(unittest.TestCase):
    def test_sequential_matches_the_scalar_reference(self):
        a, b = bf16(5, 33, 1), bf16(33, 4, 2)
        self.assertTrue(torch.equal(checked_matmul(a, b).view(torch.int16), fma_reference(a, b).view(torch.int16)))

    def test_the_declared_order_changes_the_f32_accumulators(self):
        a, b = bf16(64, 256, 3), bf16(256, 64, 4)
        seq = f32_bits(sequential_acc(a, b))
        self.assertGreater((seq != f32_bits(blocked_acc(a, b, 4))).sum().item(), 100)
        self.assertGreater((seq != tensor_core_acc(a, b)).sum().item(), 100)

    def test_refuses_other_dtypes_shapes_and_orders(self):
        a, b = bf16(2, 3, 1), bf16(3, 2, 2)
        with self.assertRaisesRegex(GemmError, r"operand a must be a bfloat16 tensor, got torch.float32"):
            checked_matmul(a.float(), b)
        with self.assertRaisesRegex(GemmError, r"a's columns must equal b's rows"):
            checked_matmul(a, a)
        with self.assertRaisesRegex(GemmError, r"tensor_core needs K a multiple of 16, got K = 3"):
            checked_matmul(a, b, "tensor_core")
        with self.assertRaisesRegex(GemmError, r"unknown order 'pairwise'"):
            checked_matmul(a, b, "pairwise")

    def test_round_to_bf16_is_nearest_even_with_one_nan(self):
        x = torch.tensor([0x3F808000, 0x3F818000, 0x7F800001, 0x7F7FFFFF], dtype=torch.int64)
        f = torch.where(x >= 2**31, x - 2**32, x).to(torch.int32).view(torch.float32)
        self.assertEqual(f32_bits(f).tolist(), x.tolist())
        got = (round_to_bf16(f).view(torch.int16).to(torch.int64) & 0xFFFF).tolist()
        self.assertEqual(got, [0x3F80, 0x3F82, 0x7FC0, 0x7F80])


if __name__ == "__main__":
    unittest.main()
