/**
 * The interpreter the PyTorch tests run: Debian's python3 with python3-torch (.ci/run installs it), or
 * $ZPOL_TORCH_PYTHON (another torch, e.g. a 2.x in a virtual environment); and why they skip without torch.
 */
import { spawnSync } from 'node:child_process';

export const TORCH_PYTHON = process.env.ZPOL_TORCH_PYTHON || '/usr/bin/python3';
export const hasTorch = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
/** Appended to a suite's name: says why it is skipped. */
export const skipNote = hasTorch ? '' : ` (skipped: ${TORCH_PYTHON} cannot import torch; apt-get install -y python3-torch)`;
