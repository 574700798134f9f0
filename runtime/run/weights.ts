/**
 * The initial weights' layout, committed at genesis (docs/run.md, "Weights"): for every parameter tensor of the
 * model, in canonical order (by name, as UTF-8 bytes), its name, kind, block, shape [rows, cols] and the root of its
 * bf16 values (tensor-commit.ts). The layout root spec.W commits all of it, and the genesis program rebuilds it
 * from the tape to derive the parameter count and the architecture (compiler/weights.ts: `params`, `layers`,
 * `experts`), so those are the committed weights', not the lab's word.
 *
 *   name digest   h ← [NAME_DOMAIN, bytes, 0, …]; h ← compressPair(h, w) for each word w of the name's UTF-8 bytes,
 *                 3 bytes a lane (big-endian), 8 lanes a word, zero-padded
 *   leaf(t)       h ← [LAYOUT_DOMAIN, T, t, 0, …]; then h ← compressPair(h, x) for x = fieldWord(kind),
 *                 wideWord(block), wideWord(rows), wideWord(cols), the name digest, the tensor's root
 *   root          the binary tree of tensor-commit.ts over the T leaves (depth ceil(log2 T), at least 1, zero
 *                 padding leaves)
 *
 * Each entry also lists its tensor's tree root (`tree`: the top node of its Merkle tree, below the shape word), so
 * that the genesis program can check that the tensor's root commits the rows and cols the entry lists:
 * root = compressPair([SHAPE_DOMAIN, rows, cols, 0, …], tree) (tensor-commit.ts). The leaf does not hash `tree`
 * (the root binds it); the genesis tape carries it after the root (layoutTape), and so does each step's and the
 * attestation's for the layout the step starts from or the run ends with (step-weights.ts stepLayoutTape).
 *
 * A tensor of shape [d0, d1, …, dk] is committed as the matrix [d0, d1·…·dk]: [n] as [1, n], a scalar as [1, 1].
 * Kinds and blocks follow from the names (weightKind, weightBlock); the genesis proof binds them as committed, and
 * validation refuses a weights.json whose kinds or blocks are not its names'.
 */
import { compressPair } from '../proof/hash/poseidon2.ts';
import { P } from '../proof/field/babybear.ts';
import { fieldWord, wideWord, ZERO_WORD, type Word } from '../vm/word.ts';
import { commitMatrix, digestFromHex, digestToHex, shapedRoot, treeDepth } from './tensor-commit.ts';

/** weights.json's `format`. */
export const WEIGHTS_FORMAT = 'zpol-run-weights';
export const WEIGHTS_FILE = 'weights.json';
export const WEIGHTS_DIR = 'weights';
/** The initial weights, BF16, by name. */
export const INITIAL_WEIGHTS_FILE = 'weights/initial.safetensors';

/** 'WLAY' and 'WNAM': the domains of a layout leaf and of a name digest. */
export const LAYOUT_DOMAIN = 0x574c4159;
export const NAME_DOMAIN = 0x574e414d;

/** The most tensors a layout may hold (the genesis program is unrolled over them) and the longest name in bytes. */
export const MAX_WEIGHT_TENSORS = 65536;
export const MAX_NAME_BYTES = 256;
/** Rows and cols of a tensor are below 2^31 (a safetensors dimension product stays a safe integer). */
export const MAX_DIMENSION = 2 ** 31 - 1;

/**
 * The kinds of tensor, by their code in a leaf. The architecture a genesis proof derives reads them: `attention`
 * tensors count layers (their highest block + 1), a `router` makes the model a mixture of experts whose expert count
 * is the router's rows.
 */
export const WEIGHT_KINDS = ['embedding', 'attention', 'mlp', 'router', 'expert', 'norm', 'head', 'linear'] as const;
export type WeightKind = (typeof WEIGHT_KINDS)[number];
export const kindCode = (k: WeightKind): number => WEIGHT_KINDS.indexOf(k);

/**
 * A tensor's kind from its name, by convention: the name's dot-separated segments are read in this order, the first
 * rule that matches wins:
 *   router     a segment containing "router", or the segment "gate" (Mixtral's block_sparse_moe.gate; not gate_proj)
 *   expert     a segment "experts" or "expert"
 *   norm       a segment containing "norm", or ln, ln_1, ln_f, … (GPT-2)
 *   embedding  a segment containing "emb", or wte, wpe
 *   attention  a segment containing "attn" or "attention"
 *   mlp        a segment containing "mlp", "ffn" or "feed_forward"
 *   head       a segment "lm_head", "head" or "output"
 *   linear     anything else (a plain layer: fc1, layers.0, …)
 */
export function weightKind(name: string): WeightKind {
  const segs = name.toLowerCase().split('.');
  const any = (p: (s: string) => boolean): boolean => segs.some(p);
  if (any((s) => s.includes('router') || s === 'gate')) return 'router';
  if (any((s) => s === 'experts' || s === 'expert')) return 'expert';
  if (any((s) => s.includes('norm') || /^ln(_[a-z0-9]+|\d*)$/.test(s))) return 'norm';
  if (any((s) => s.includes('emb') || s === 'wte' || s === 'wpe')) return 'embedding';
  if (any((s) => s.includes('attn') || s.includes('attention'))) return 'attention';
  if (any((s) => s.includes('mlp') || s.includes('ffn') || s.includes('feed_forward'))) return 'mlp';
  if (any((s) => s === 'lm_head' || s === 'head' || s === 'output')) return 'head';
  return 'linear';
}

/** A tensor's block (layer index) from its name: its first all-digit segment (blocks.3.attn… → 3), 0 when none. */
export function weightBlock(name: string): number {
  const seg = name.split('.').find((s) => /^\d+$/.test(s));
  return seg === undefined ? 0 : Number(seg);
}

/** The matrix a tensor of `shape` is committed as: [d0, d1·…·dk]; [n] as [1, n]; a scalar as [1, 1]. */
export function weightMatrixShape(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]!];
  return [shape[0]!, shape.slice(1).reduce((a, b) => a * b, 1)];
}

/** One tensor of the layout, as weights.json lists it. */
export interface WeightEntry {
  readonly name: string;
  readonly kind: WeightKind;
  readonly block: number;
  readonly rows: number;
  readonly cols: number;
  /** Its values' root (tensor-commit.ts), 64 hex digits: compressPair(shapeWord(rows, cols), tree). */
  readonly root: string;
  /** The top node of its values' Merkle tree, below the shape word, 64 hex digits. */
  readonly tree: string;
}

/** weights.json's (and weights/NNNNNN.json's) `version`: 2 since tensor roots commit their shapes. */
export const WEIGHTS_VERSION = 2;

export interface WeightsJson {
  readonly format: typeof WEIGHTS_FORMAT;
  readonly version: typeof WEIGHTS_VERSION;
  /** The layout root (module comment): what the policy's spec field commits. */
  readonly root: string;
  /** The initial weights' values (weights.json); absent in a step's layout (weights/NNNNNN.json), which lists roots only. */
  readonly file?: typeof INITIAL_WEIGHTS_FILE;
  /** The step whose update a step's layout holds (weights/NNNNNN.json); absent in weights.json. */
  readonly step?: number;
  readonly tensors: readonly WeightEntry[];
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Canonical order: by name, as UTF-8 bytes. */
export function compareNames(a: string, b: string): number {
  const [x, y] = [utf8(a), utf8(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The name digest (module comment). */
export function nameDigest(name: string): Word {
  const bytes = utf8(name);
  let h: Word = [NAME_DOMAIN, bytes.length, 0, 0, 0, 0, 0, 0];
  for (let w = 0; w < bytes.length; w += 24) {
    const word = Array.from({ length: 8 }, (_, l) => {
      let v = 0;
      for (let b = 0; b < 3; b++) v = v * 256 + (bytes[w + 3 * l + b] ?? 0);
      return v;
    });
    h = Array.from(compressPair(h, word));
  }
  return h;
}

/** The words of entry t that its leaf hashes, in order. */
export function entryWords(e: Omit<WeightEntry, 'tree'>): Word[] {
  return [fieldWord(kindCode(e.kind)), wideWord(BigInt(e.block)), wideWord(BigInt(e.rows)), wideWord(BigInt(e.cols)), nameDigest(e.name), digestFromHex(e.root)];
}

/** leaf(t) of a layout of `count` tensors. */
export function layoutLeaf(count: number, t: number, e: Omit<WeightEntry, 'tree'>): Word {
  return entryWords(e).reduce<Word>((h, w) => Array.from(compressPair(h, w)), [LAYOUT_DOMAIN, count, t, 0, 0, 0, 0, 0]);
}

/** The layout root of `entries` (in canonical order). */
export function layoutRoot(entries: readonly Omit<WeightEntry, 'tree'>[]): Word {
  let level: Word[] = entries.map((e, t) => layoutLeaf(entries.length, t, e));
  while (level.length < 2 ** treeDepth(entries.length)) level.push(ZERO_WORD);
  while (level.length > 1) {
    const up: Word[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(Array.from(compressPair(level[i]!, level[i + 1]!)));
    level = up;
  }
  return level[0]!;
}

/**
 * The genesis tape of a layout: every entry's words, in order, each followed by its tree root, with which the genesis
 * program checks that the root commits the shape listed (compiler/weights.ts). A step reads its layouts otherwise
 * (runtime/run/step-weights.ts stepLayoutTape).
 */
export function layoutTape(entries: readonly WeightEntry[]): Word[] {
  return entries.flatMap((e) => [...entryWords(e), digestFromHex(e.tree)]);
}

/** One initial tensor: its name, its shape as the framework has it, and its bf16 bit patterns, row-major. */
export interface WeightTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Uint16Array;
}

/** The layout of `tensors`: each committed, kinds and blocks from the names, in canonical order. */
export function weightLayout(tensors: readonly WeightTensor[]): WeightsJson {
  const entries = [...tensors]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((t): WeightEntry => {
      const [rows, cols] = weightMatrixShape(t.shape);
      if (rows * cols !== t.values.length) throw new RangeError(`weight '${t.name}': shape [${t.shape.join(', ')}] has ${rows * cols} values, given ${t.values.length}`);
      const c = commitMatrix(t.values, rows, cols);
      return { name: t.name, kind: weightKind(t.name), block: weightBlock(t.name), rows, cols, root: digestToHex(c.root), tree: digestToHex(c.tree[c.depth]![0]!) };
    });
  return { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, root: digestToHex(layoutRoot(entries)), file: INITIAL_WEIGHTS_FILE, tensors: entries };
}

/** The parameter count of a layout: Σ rows · cols (what `params` proves). */
export function layoutParams(entries: readonly WeightEntry[]): bigint {
  return entries.reduce((s, e) => s + BigInt(e.rows) * BigInt(e.cols), 0n);
}

/** The attention layers of a layout: its attention tensors' highest block + 1, 0 without any (what `layers` proves). */
export function layoutLayers(entries: readonly WeightEntry[]): number {
  return entries.reduce((m, e) => (e.kind === 'attention' ? Math.max(m, e.block + 1) : m), 0);
}

/** The experts of a layout: its routers' rows (all equal), 1 without a router (what `experts` proves). */
export function layoutExperts(entries: readonly WeightEntry[]): number | undefined {
  const rows = new Set(entries.filter((e) => e.kind === 'router').map((e) => e.rows));
  return rows.size === 0 ? 1 : rows.size === 1 ? [...rows][0] : undefined;
}

/**
 * What is wrong with a parsed weights.json, each naming the JSON Pointer of the field: the layout's structure, its
 * order, kinds and blocks that are not its names', and a root that is not its entries'. Empty when it holds
 * together. With `step`, a step's layout (weights/NNNNNN.json, runtime/run/step-weights.ts): `step` is that number
 * and there is no `file`.
 */
export function checkWeightsJson(w: unknown, step?: number): string[] {
  const out: string[] = [];
  const o = w as Partial<WeightsJson> | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return ['/: is not a JSON object'];
  const hex = (x: unknown): boolean => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);
  if (o.format !== WEIGHTS_FORMAT) out.push(`/format: must be '${WEIGHTS_FORMAT}'`);
  if (o.version !== WEIGHTS_VERSION) out.push(`/version: must be ${WEIGHTS_VERSION} (version 1 layouts were written before tensor roots committed their shapes: record the run again)`);
  if (step === undefined && o.file !== INITIAL_WEIGHTS_FILE) out.push(`/file: must be '${INITIAL_WEIGHTS_FILE}'`);
  if (step === undefined && o.step !== undefined) out.push('/step: weights.json is the initial layout and has no step');
  if (step !== undefined && o.file !== undefined) out.push("/file: a step's layout lists roots only and names no file");
  if (step !== undefined && o.step !== step) out.push(`/step: must be ${step}`);
  if (!hex(o.root)) out.push('/root: must be 64 lowercase hex digits');
  if (!Array.isArray(o.tensors) || o.tensors.length < 1 || o.tensors.length > MAX_WEIGHT_TENSORS) {
    out.push(`/tensors: must be a list of 1 to ${MAX_WEIGHT_TENSORS} tensors`);
    return out;
  }
  const whole = (x: unknown, min: number): boolean => Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= MAX_DIMENSION;
  o.tensors.forEach((e: WeightEntry, t) => {
    const at = `/tensors/${t}`;
    if (typeof e?.name !== 'string' || e.name.length === 0 || utf8(e.name).length > MAX_NAME_BYTES) return void out.push(`${at}/name: must be a name of 1 to ${MAX_NAME_BYTES} bytes`);
    if (!WEIGHT_KINDS.includes(e.kind)) out.push(`${at}/kind: must be one of ${WEIGHT_KINDS.join(', ')}`);
    else if (e.kind !== weightKind(e.name)) out.push(`${at}/kind: is '${e.kind}', but the name '${e.name}' gives '${weightKind(e.name)}' (docs/run.md, "Weights")`);
    if (!whole(e.block, 0)) out.push(`${at}/block: must be a whole number`);
    else if (e.block !== weightBlock(e.name)) out.push(`${at}/block: is ${e.block}, but the name '${e.name}' gives ${weightBlock(e.name)}`);
    if (!whole(e.rows, 1) || !whole(e.cols, 1)) out.push(`${at}: rows and cols must be whole numbers from 1 to ${MAX_DIMENSION}`);
    if (!hex(e.root)) out.push(`${at}/root: must be 64 lowercase hex digits`);
    else if (!hex(e.tree)) out.push(`${at}/tree: must be 64 lowercase hex digits`);
    else if (whole(e.rows, 1) && whole(e.cols, 1) && (e.rows >= P || e.cols >= P)) out.push(`${at}: a committed tensor's rows and cols are below the field prime ${P}`);
    else if (whole(e.rows, 1) && whole(e.cols, 1) && digestToHex(shapedRoot(e.rows, e.cols, digestFromHex(e.tree))) !== e.root) {
      out.push(`${at}/root: tensor '${e.name}': does not commit the shape [${e.rows}, ${e.cols}] listed (it is not compress([SHAPE_DOMAIN, ${e.rows}, ${e.cols}, 0, …], tree))`);
    }
    const prev = o.tensors![t - 1];
    if (t > 0 && typeof prev?.name === 'string' && compareNames(prev.name, e.name) >= 0) out.push(`${at}/name: '${e.name}' is not after '${prev.name}': tensors are in canonical order (by name, UTF-8 bytes), each once`);
  });
  if (out.length === 0 && digestToHex(layoutRoot(o.tensors)) !== o.root) out.push(`/root: is not the layout root of the tensors listed (their root is ${digestToHex(layoutRoot(o.tensors))})`);
  return out;
}

