/** Debian's python3 with python3-torch, which the PyTorch tests run (.ci/run installs it), and why they skip without it. */
import { spawnSync } from 'node:child_process';

export const TORCH_PYTHON = '/usr/bin/python3';
export const hasTorch = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
/** Appended to a suite's name: says why it is skipped. */
export const skipNote = hasTorch ? '' : ` (skipped: ${TORCH_PYTHON} cannot import torch; apt-get install -y python3-torch)`;
