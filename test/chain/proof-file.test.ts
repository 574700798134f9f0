// The proof file's binary layout (runtime/chain/proof-file.ts, docs/chain.md "File layout"): the format's name, the
// version, a canonical JSON header with each STARK proof's length, then the proofs' bytes. A proof has one file: a
// reader refuses anything that does not encode back to the same bytes, and names the file and what is wrong. The
// STARK bytes here are arbitrary (the file's shape is checked before any proof is decoded; test/chain/proof-fuzz
// mutates real proofs).
import { describe, expect, it } from 'vitest';
import {
  decodeProofFile,
  encodeProofFile,
  isLegacyProofFileName,
  parseProofFile,
  PROOF_FORMAT,
  PROOF_VERSION,
  proofFileName,
  type ProofFile,
} from '../../runtime/chain/proof-file.ts';

const hexWord = (b: number) => b.toString(16).padStart(2, '0').repeat(32);
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const whole: ProofFile = {
  format: PROOF_FORMAT,
  version: PROOF_VERSION,
  kind: 'step',
  policy: 'p',
  policyDigest: hexWord(1),
  program: hexWord(2),
  step: 3,
  publicInputs: [hexWord(3), hexWord(4)],
  publicOutputs: [hexWord(5)],
  stark: bytes(1000, 7).toString('base64'),
};
const segmented: ProofFile = {
  ...whole,
  hash: 'poseidon2',
  stark: '',
  segments: [
    { pcStart: 0, pcEnd: 10, memStart: hexWord(6), memEnd: hexWord(7), io: [0, 1], stark: bytes(300, 1).toString('base64') },
    { pcStart: 10, pcEnd: 20, memStart: hexWord(7), memEnd: hexWord(8), io: [2], stark: bytes(500, 2).toString('base64') },
  ],
};
const headerOf = (file: Buffer) => file.toString('utf8', 16, 16 + file.readUInt32LE(12));
/** `file` with its header replaced by `header` (the length fixed), the proofs' bytes kept. */
const withHeader = (file: Buffer, header: string) => {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(Buffer.byteLength(header));
  return Buffer.concat([file.subarray(0, 12), length, Buffer.from(header), file.subarray(16 + file.readUInt32LE(12))]);
};
const problem = (b: Uint8Array) => {
  const r = parseProofFile(b, 'step-000003.zproof');
  return r.ok ? 'ok' : r.error;
};

describe('the proof file', () => {
  it('is the name, the version, the header with each proof length, then the raw proof bytes', () => {
    const file = Buffer.from(encodeProofFile(segmented));
    expect(file.subarray(0, 11).toString('ascii')).toBe('zpol-proof\n');
    expect(file[11]).toBe(PROOF_VERSION);
    expect(headerOf(file)).toBe(
      `{"hash":"poseidon2","kind":"step","policy":"p","policyDigest":"${hexWord(1)}","program":"${hexWord(2)}","step":3,` +
        `"publicInputs":["${hexWord(3)}","${hexWord(4)}"],"publicOutputs":["${hexWord(5)}"],"stark":0,` +
        `"segments":[{"pcStart":0,"pcEnd":10,"memStart":"${hexWord(6)}","memEnd":"${hexWord(7)}","io":[0,1],"stark":300},` +
        `{"pcStart":10,"pcEnd":20,"memStart":"${hexWord(7)}","memEnd":"${hexWord(8)}","io":[2],"stark":500}]}`,
    );
    expect(file.subarray(16 + file.readUInt32LE(12))).toEqual(Buffer.concat([bytes(300, 1), bytes(500, 2)]));
    // Base64 would add a third: the file is the proofs' bytes and a header.
    const plain = Buffer.from(encodeProofFile(whole));
    expect(plain.length).toBe(16 + Buffer.byteLength(headerOf(plain)) + 1000);
    for (const p of [whole, segmented]) expect(decodeProofFile(encodeProofFile(p))).toEqual(p);
    expect(proofFileName('step', 3)).toBe('step-000003.zproof');
    expect(proofFileName('genesis', 0)).toBe('genesis.zproof');
    expect(proofFileName('attestation', 9)).toBe('attestation.zproof');
  });

  it('refuses what is not its canonical encoding: another key order, whitespace, bytes after the proofs, another number spelling', () => {
    const file = Buffer.from(encodeProofFile(whole));
    const header = headerOf(file);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(header) as object).reverse()));
    for (const h of [reordered, JSON.stringify(JSON.parse(header), null, 1), `${header} `, header.replace('"step":3', '"step":3.0'), header.replace('"stark":1000', '"stark":1e3')]) {
      expect(problem(withHeader(file, h))).toBe("step-000003.zproof: header: not in canonical form (its fields in zpol's order, JSON without whitespace): a proof has one file");
    }
    expect(problem(Buffer.concat([file, Buffer.from([0])]))).toBe(`step-000003.zproof: 1 byte after the last STARK proof (byte ${file.length} on)`);
    expect(problem(withHeader(file, header.replace('{', '{"format":"zpol-proof",')))).toBe('step-000003.zproof: header: format and version are the bytes before it, not header fields');
  });

  it('names what is wrong: the name, the version, the header, a proof cut short, a length that is no length', () => {
    const file = Buffer.from(encodeProofFile(segmented));
    const header = headerOf(file);
    expect(problem(Buffer.alloc(0))).toBe('step-000003.zproof: not a zpol proof file (it does not start with "zpol-proof\\n")');
    expect(problem(Buffer.from('ZPOL-PROOF\n\u0009\0\0\0\0'))).toMatch(/not a zpol proof file/);
    const old = Buffer.from(file);
    old[11] = 8;
    expect(problem(old)).toBe(`step-000003.zproof: version 8; this zpol reads version ${PROOF_VERSION} (a proof by an older zpol, in a format this one no longer reads: prove the run again)`);
    const longHeader = Buffer.from(file);
    longHeader.writeUInt32LE(file.length, 12);
    expect(problem(longHeader)).toBe(`step-000003.zproof: header: ${file.length} bytes, but the file has ${file.length - 16} after its first 16`);
    expect(problem(withHeader(file, header.slice(0, -1)))).toMatch(/^step-000003\.zproof: header: not JSON \(/);
    expect(problem(withHeader(file, '[]'))).toBe('step-000003.zproof: header: not a JSON object');
    expect(problem(file.subarray(0, file.length - 1))).toBe(`step-000003.zproof: segments[1].stark: 500 bytes from byte ${file.length - 500}, but the file ends at ${file.length - 1} (cut short?)`);
    for (const v of ['-1', '"300"', '1.5', 'null']) {
      expect(problem(withHeader(file, header.replace('"stark":300', `"stark":${v}`)))).toBe(`step-000003.zproof: segments[0].stark must be the length in bytes of its STARK proof, got ${v}`);
    }
    // The fields' own checks (proofFileProblem), named as in the JSON format.
    expect(problem(withHeader(file, header.replace('"kind":"step"', '"kind":"stage"')))).toBe('step-000003.zproof: unknown proof kind "stage"');
    expect(problem(withHeader(file, header.replace('"step":3', '"step":3,"extra":1')))).toBe('step-000003.zproof: unknown field "extra"');
    expect(problem(withHeader(file, header.replace('{"hash"', '{"__proto__":{"ok":true},"hash"')))).toBe('step-000003.zproof: unknown field "__proto__"');
    expect(problem(withHeader(file, header.replace(/"segments":\[\{[^}]*\},/, '"segments":[')))).toMatch(/^step-000003\.zproof: (segments: 1 segments; a segmented proof has 2 to|\d+ bytes? after the last STARK proof)/);
  });

  it('names a JSON proof file of an older zpol as such', () => {
    const old = Buffer.from(JSON.stringify({ format: 'zpol-proof', version: 8, kind: 'step' }, null, 2));
    expect(problem(old)).toBe(`step-000003.zproof: a JSON proof file of version 8, by an older zpol; this zpol reads binary proof files of version ${PROOF_VERSION} (*.zproof): prove the run again`);
    expect(problem(Buffer.from('{ not json'))).toBe('step-000003.zproof: not a zpol proof file (a JSON document, and proof files are binary since version 9)');
    expect(['genesis.json', 'attestation.json', 'step-000001.json', 'step-1234567.json'].every(isLegacyProofFileName)).toBe(true);
    expect(['run.json', 'notes.json', 'step-1.json', 'genesis.zproof', 'challenges.json'].some(isLegacyProofFileName)).toBe(false);
  });
});
