/**
 * The data a membership check's prover reads (runtime/run/members.ts has the protocol): the registry's datasets,
 * committed once per process, travelling with a step's tensors under datasetKey(name).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES_TENSOR, REGISTRY_FILE, RunFormatError, type RegistryJson, type StepEnvelope } from './format.ts';
import { datasetKey } from './members.ts';
import type { TensorRowDigests } from '../proof/backend.ts';
import { stepTensors } from './recorder.ts';
import { bf16Values, readSafetensors } from './safetensors.ts';
import { commitMatrix, digestToHex, type MatrixCommitment } from './tensor-commit.ts';
import { checkRegistryJson } from './validate.ts';

/** A dataset the registry names that cannot be read as examples. */
export class DatasetError extends Error {}

const committed = new Map<string, { root: string; commitment: MatrixCommitment }>();

/**
 * The registry's datasets as committed tensors, by datasetKey(name), for a policy whose step program opens them
 * (artifact `members`): read from DIR/data/NAME.safetensors once per process and dataset root.
 */
export function datasetTensors(dir: string, registry: RegistryJson, rowDigests?: TensorRowDigests): Map<string, MatrixCommitment> {
  const out = new Map<string, MatrixCommitment>();
  for (const s of registry.sources) {
    const path = join(dir, s.file);
    let c = committed.get(path);
    if (c?.root !== s.root) {
      const st = readSafetensors(path, s.file);
      const t = st.tensors.get(EXAMPLES_TENSOR);
      if (!t) throw new DatasetError(`${s.file}: tensor '${EXAMPLES_TENSOR}' is missing`);
      c = { root: s.root, commitment: commitMatrix(bf16Values(t, s.file, EXAMPLES_TENSOR), s.shape[0], s.shape[1], rowDigests) };
      const root = digestToHex(c.commitment.root);
      if (root !== s.root) throw new DatasetError(`${s.file}: its examples commit to ${root}, not to the root ${s.root} registry.json gives source ${s.id} (${s.name})`);
      committed.set(path, c);
    }
    out.set(datasetKey(s.name), c.commitment);
  }
  return out;
}

/** A step's committed tensors, with the registry's datasets when the policy opens examples in them. */
export function runTensors(dir: string, envelope: StepEnvelope, members: boolean, rowDigests?: TensorRowDigests): Map<string, MatrixCommitment> {
  const tensors = stepTensors(dir, envelope, rowDigests);
  if (members) for (const [k, v] of datasetTensors(dir, readRegistry(dir), rowDigests)) tensors.set(k, v);
  return tensors;
}

/** registry.json, checked as readRunDir checks it (it is read again for every step, after the run was validated). */
function readRegistry(dir: string): RegistryJson {
  const json: unknown = JSON.parse(readFileSync(join(dir, REGISTRY_FILE), 'utf8'));
  const issues = checkRegistryJson(json);
  if (issues.length > 0) throw new RunFormatError(issues);
  return json as RegistryJson;
}
