"""The example's training resumes after a crash: a run stopped after a step, or killed between recording a step
and saving its checkpoint, continues from its checkpoint and records the same bytes as a run never stopped."""

import filecmp
import importlib.util
import os
import shutil
import tempfile
import unittest

from zpol_torch import Recorder

_spec = importlib.util.spec_from_file_location(
    "tiny_gpt", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "tiny_gpt.py"))
tiny_gpt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tiny_gpt)

CFG = dict(tiny_gpt.CONFIG, examples=16)
VERIFY = {name: {"a": f"{name}_a", "b": f"{name}_b", "c": f"{name}_c"} for name in tiny_gpt.PRODUCTS}


def files(d):
    out = []
    for root, _, names in os.walk(d):
        out += [os.path.relpath(os.path.join(root, n), d) for n in names]
    return sorted(out)


class ResumeTest(unittest.TestCase):
    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="zpol-torch-resume-")

    def run_dir(self, name):
        return os.path.join(self.base, name), os.path.join(self.base, f"{name}.pt")

    def train(self, name, steps, stop_after=None, seed=3):
        d, ckpt = self.run_dir(name)
        rec = Recorder.open(d, "tiny_gpt", verify=VERIFY)
        return tiny_gpt.train(steps, seed, rec, cfg=CFG, checkpoint=ckpt, stop_after=stop_after)

    def assert_same_run(self, a, b):
        (da, _), (db, _) = self.run_dir(a), self.run_dir(b)
        self.assertEqual(files(da), files(db))
        _, mismatch, errors = filecmp.cmpfiles(da, db, files(da), shallow=False)
        self.assertEqual((mismatch, errors), ([], []))

    def test_a_stopped_run_resumes_from_its_checkpoint(self):
        self.train("straight", 3)
        self.assertEqual(len(self.train("stopped", 3, stop_after=1)["loss"]), 1)
        self.assertEqual(len(self.train("stopped", 3)["loss"]), 2)
        self.assert_same_run("straight", "stopped")

    def test_a_crash_between_recording_a_step_and_its_checkpoint_trains_that_step_again(self):
        self.train("straight", 3)
        self.train("crashed", 3, stop_after=1)
        _, ckpt = self.run_dir("crashed")
        shutil.copy(ckpt, ckpt + ".step1")
        self.train("crashed", 3, stop_after=2)
        shutil.copy(ckpt + ".step1", ckpt)  # the checkpoint of step 2 was never written
        self.assertEqual(len(self.train("crashed", 3)["loss"]), 1)
        self.assert_same_run("straight", "crashed")

    def test_refuses_to_resume_without_its_checkpoint_or_from_another_run(self):
        self.train("lost", 3, stop_after=2)
        d, ckpt = self.run_dir("lost")
        shutil.copy(ckpt, ckpt + ".step2")
        os.remove(ckpt)
        with self.assertRaisesRegex(SystemExit, r"the run already holds 2 recorded steps; resuming needs the checkpoint"):
            self.train("lost", 3)
        self.train("other", 3, stop_after=2, seed=4)
        shutil.copy(self.run_dir("other")[1], ckpt)
        with self.assertRaisesRegex(SystemExit, r"was saved after another run's step 2: the run's steps/000002.json is not the record"):
            self.train("lost", 3)
        self.train("early", 3, stop_after=1, seed=4)
        shutil.copy(self.run_dir("early")[1], ckpt)
        with self.assertRaisesRegex(SystemExit, r"was saved after another run's step 1"):
            self.train("lost", 3)


if __name__ == "__main__":
    unittest.main()
