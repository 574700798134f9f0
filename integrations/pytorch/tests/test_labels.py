"""zpol_torch.source_labels: the [R, 1] bfloat16 source-label tensor, bit for bit runtime/run/labels.ts's."""

import unittest

import torch

from zpol_torch import LabelError, source_labels, token_ids


def bits(t):
    return [v & 0xFFFF for v in t.view(torch.int16).reshape(-1).tolist()]


class SourceLabels(unittest.TestCase):
    def test_labels_are_bf16_whole_numbers_one_per_row(self):
        t = source_labels([0, 1, 2, 256])
        self.assertEqual(t.dtype, torch.bfloat16)
        self.assertEqual(list(t.shape), [4, 1])
        # bf16(s) is the top half of the f32 pattern: 0, 1.0 = 0x3f80, 2.0 = 0x4000, 256.0 = 0x4380.
        self.assertEqual(bits(t), [0x0000, 0x3F80, 0x4000, 0x4380])

    def test_repeat_labels_every_row_of_an_example(self):
        t = source_labels(torch.tensor([1, 0], dtype=torch.int64), repeat=3)
        self.assertEqual(list(t.shape), [6, 1])
        self.assertEqual(bits(t), [0x3F80] * 3 + [0x0000] * 3)

    def test_refuses_what_a_label_cannot_hold(self):
        for ids, message in (([257], r"example 0: .* from 0 to 256, got 257"), ([0, -1], r"example 1: .* got -1"),
                             ([0.5], r"got 0.5"), ([True], r"got True"), ([], r"at least one example")):
            with self.subTest(ids=ids):
                with self.assertRaisesRegex(LabelError, message):
                    source_labels(ids)
        with self.assertRaisesRegex(LabelError, r"1-dimensional integer tensor"):
            source_labels(torch.zeros(2, 2, dtype=torch.int64))
        with self.assertRaisesRegex(LabelError, r"1-dimensional integer tensor"):
            source_labels(torch.tensor([0.0, 1.0]))
        with self.assertRaisesRegex(LabelError, r"repeat must be"):
            source_labels([0], repeat=0)


if __name__ == "__main__":
    unittest.main()


class TokenIds(unittest.TestCase):
    def test_ids_are_bf16_whole_numbers_in_their_shape(self):
        t = token_ids(torch.tensor([[0, 1, 40], [2, 256, 3]], dtype=torch.int64))
        self.assertEqual(t.dtype, torch.bfloat16)
        self.assertEqual(list(t.shape), [2, 3])
        self.assertEqual(bits(t), [0x0000, 0x3F80, 0x4220, 0x4000, 0x4380, 0x4040])

    def test_refuses_what_bf16_cannot_hold_exactly(self):
        with self.assertRaisesRegex(LabelError, r"token id at \[1, 0\]: .* from 0 to 256, got 257"):
            token_ids(torch.tensor([[0, 1], [257, 2]]))
        with self.assertRaisesRegex(LabelError, r"got -1"):
            token_ids(torch.tensor([[-1]]))
        for bad in (torch.zeros(3, dtype=torch.int64), torch.zeros(2, 2), [[0, 1]], torch.zeros(2, 2, dtype=torch.bool)):
            with self.subTest(bad=bad):
                with self.assertRaisesRegex(LabelError, r"2-dimensional integer tensor"):
                    token_ids(bad)
        with self.assertRaisesRegex(LabelError, r"at least one token"):
            token_ids(torch.zeros(0, 3, dtype=torch.int64))
