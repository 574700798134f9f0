/** The prover's and validation's reading of a run's weights.json and initial weights (runtime/run/weights.ts). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bf16Values, readSafetensors } from './safetensors.ts';
import type { TensorRowDigests } from '../proof/backend.ts';
import { commitMatrix, digestToHex } from './tensor-commit.ts';
import { startWeightsFile } from './step-weights.ts';
import { checkWeightsJson, INITIAL_WEIGHTS_FILE, weightMatrixShape, WEIGHTS_FILE, type WeightsJson } from './weights.ts';

/**
 * A run directory's weights.json, checked (checkWeightsJson) and, when `deep`, against weights/initial.safetensors:
 * every listed tensor is there, BF16, of the listed matrix shape and root, and nothing else is. Throws an Error whose
 * lines each name the file and the field or tensor; undefined when the run has no weights.json.
 */
export function readWeights(dir: string, deep = true, rowDigests?: TensorRowDigests): WeightsJson | undefined {
  const read = readLayout(dir, WEIGHTS_FILE);
  if (!read) return undefined;
  const { json, issues } = read;
  const w = json as WeightsJson;
  if (issues.length === 0 && deep) {
    const file = readSafetensors(join(dir, INITIAL_WEIGHTS_FILE), INITIAL_WEIGHTS_FILE);
    const names = new Set(w.tensors.map((e) => e.name));
    for (const n of file.tensors.keys()) if (!names.has(n)) issues.push(`${INITIAL_WEIGHTS_FILE}: tensor '${n}' is not in ${WEIGHTS_FILE}`);
    for (const e of w.tensors) {
      const t = file.tensors.get(e.name);
      if (!t) {
        issues.push(`${INITIAL_WEIGHTS_FILE}: tensor '${e.name}' of ${WEIGHTS_FILE} is missing`);
        continue;
      }
      const [rows, cols] = weightMatrixShape(t.shape);
      if (t.dtype !== 'BF16' || rows !== e.rows || cols !== e.cols) {
        issues.push(`${INITIAL_WEIGHTS_FILE}: tensor '${e.name}' is ${t.dtype} [${t.shape.join(', ')}], ${WEIGHTS_FILE} lists BF16 [${e.rows}, ${e.cols}]`);
        continue;
      }
      const root = digestToHex(commitMatrix(bf16Values(t, INITIAL_WEIGHTS_FILE, e.name), rows, cols, rowDigests).root);
      if (root !== e.root) issues.push(`${WEIGHTS_FILE}: tensor '${e.name}': root ${e.root.slice(0, 16)}… is not the commitment of its values in ${INITIAL_WEIGHTS_FILE} (${root.slice(0, 16)}…)`);
    }
  }
  if (issues.length > 0) throw new Error(issues.join('\n'));
  return w;
}

/** A layout file of the run parsed, with what is wrong with it (each line naming the file); undefined when absent. */
function readLayout(dir: string, file: string, step?: number): { json: unknown; issues: string[] } | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: is not JSON (${(e as Error).message})`);
  }
  return { json, issues: checkWeightsJson(json, step).map((i) => `${file}: ${i}`) };
}

/**
 * The layout step `step` starts from (weights.json for step 1, else weights/NNNNNN.json of step − 1), read from the
 * run directory and checked (structure, order, names' kinds and blocks, root) but not against any values; undefined
 * when the file is not there. Throws an Error naming the file and field otherwise.
 */
export function readStartWeights(dir: string, step: number): WeightsJson | undefined {
  const read = readLayout(dir, startWeightsFile(step), step === 1 ? undefined : step - 1);
  if (read && read.issues.length > 0) throw new Error(read.issues.join('\n'));
  return read?.json as WeightsJson | undefined;
}
