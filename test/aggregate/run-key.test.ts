// The verifying key's disk cache (runtime/chain/run-key.ts), on a small VM program's machine standing in for the
// closing node (the real tree's key is test/aggregate/run-proof.test.ts's, through `zpol verify`): a key written is read
// back with the same program and system digests; an entry edited, signed for another N, or forged with the
// cache's secret but a program or preprocessed root that does not match its digests is a miss (the key is rebuilt
// and the entry rewritten), never used; the cache off, or unusable, builds the key and writes nothing.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryMacUnder, entryPath, keyCacheDir, runKey } from '../../runtime/chain/run-key.ts';
import type { RunTree } from '../../runtime/chain/run-tree.ts';
import { aggregationPcs } from '../../runtime/chain/aggregate.ts';
import { programLogHeights } from '../../runtime/chain/aggregate.ts';
import { machine } from '../../runtime/vm/machine.ts';
import { encodeProgram } from '../../runtime/vm/program.ts';
import { countingLoop } from '../fixtures/sample-programs.ts';
import { tinyPolicy } from '../queue/tiny-run.ts';

const base = mkdtempSync(join(tmpdir(), 'zpol-run-key-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const program = countingLoop(300).program;
const m = machine(program, aggregationPcs());
const heights = programLogHeights(m);
const at = { system: m.system, logHeights: heights };
const tree = { steps: 1, genesis: at, attestation: at, tree: { leaf: { child: at }, programs: new Map() }, closing: { machine: m, program, logHeights: heights } } as unknown as RunTree;
const digest = tinyPolicy.artifact.digest;

describe('the verifying key cache', () => {
  it('reads back the key it wrote, and refuses every entry that does not check', () => {
    const dir = join(base, 'cache');
    let builds = 0;
    const build = () => (builds++, tree);
    expect(runKey(tinyPolicy, 1, build, { cacheDir: dir }).source).toBe('built');
    expect(statSync(join(dir, 'mac-key')).mode & 0o777).toBe(0o600);
    const hit = runKey(tinyPolicy, 1, build, { cacheDir: dir });
    expect(hit.source).toBe('cache');
    expect(builds).toBe(1);
    expect(Buffer.from(hit.key.closing.digest)).toEqual(Buffer.from(m.digest));
    expect(Buffer.from(hit.key.closing.system.digest)).toEqual(Buffer.from(m.system.digest));
    expect(Buffer.from(hit.key.closing.system.preprocessedCommitment!.shape.root)).toEqual(Buffer.from(m.system.preprocessedCommitment!.shape.root));
    expect(hit.key.below.conjecturedBits).toBeGreaterThan(90);

    const file = entryPath(dir, digest, 1);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { preprocessed: { root: string } };
    const tampered = (edited: Record<string, unknown>, why: RegExp) => {
      writeFileSync(file, JSON.stringify(edited));
      const misses: string[] = [];
      const before = builds;
      expect(runKey(tinyPolicy, 1, build, { cacheDir: dir, onMiss: (w) => misses.push(w) }).source).toBe('built');
      expect(builds).toBe(before + 1);
      expect(misses.join('\n')).toMatch(why);
      // The miss rewrote the entry: the next read is a hit.
      expect(runKey(tinyPolicy, 1, build, { cacheDir: dir }).source).toBe('cache');
    };
    const { mac: _mac, ...fields } = entry;
    const signed = (e: Record<string, unknown>) => ({ ...e, mac: entryMacUnder(dir, e) });
    tampered({ ...entry, below: { conjecturedBits: 300, provenBits: 300 } }, /its MAC does not match/);
    tampered({ ...fields }, /no MAC/);
    tampered(signed({ ...fields, steps: 2 }), /made for another key/);
    tampered(signed({ ...fields, below: { conjecturedBits: 'x', provenBits: null } }), /no security figure/);
    tampered(signed({ ...fields, policyDigest: 'f'.repeat(64) }), /made for another key/);
    tampered(signed({ ...fields, program: Buffer.from(encodeProgram(countingLoop(301).program)).toString('base64') }), /its program does not have its digest/);
    const root = entry.preprocessed.root;
    tampered(signed({ ...fields, preprocessed: { ...entry.preprocessed, root: (root[0] === '0' ? '1' : '0') + root.slice(1) } }), /its system does not have its digest/);
    tampered(signed({ ...fields, program: 'AAAA' }), /not a zkVM program: bad magic/);
    writeFileSync(file, 'not json');
    expect(runKey(tinyPolicy, 1, build, { cacheDir: dir }).source).toBe('built');
    // An entry signed under another cache's secret.
    const other = join(base, 'other');
    runKey(tinyPolicy, 1, build, { cacheDir: other });
    writeFileSync(file, readFileSync(entryPath(other, digest, 1)));
    const misses: string[] = [];
    expect(runKey(tinyPolicy, 1, build, { cacheDir: dir, onMiss: (w) => misses.push(w) }).source).toBe('built');
    expect(misses.join('\n')).toMatch(/its MAC does not match/);
  });

  it('builds the key and writes nothing when the cache is off or cannot be used', () => {
    let builds = 0;
    const build = () => (builds++, tree);
    expect(runKey(tinyPolicy, 1, build, { cacheDir: null }).source).toBe('built');
    const blocked = join(base, 'a-file');
    writeFileSync(blocked, 'not a directory');
    const misses: string[] = [];
    expect(runKey(tinyPolicy, 1, build, { cacheDir: blocked, onMiss: (w) => misses.push(w) }).source).toBe('built');
    expect(builds).toBe(2);
    expect(misses.join('\n')).toMatch(/key cache/);
    // N is bounded before any entry is read or tree built.
    expect(() => runKey(tinyPolicy, 2 ** 20 + 1, build, { cacheDir: null })).toThrow(/1 to 1048576 steps/);
    expect(() => runKey(tinyPolicy, 0, build, { cacheDir: null })).toThrow(/1 to 1048576 steps/);
    expect(builds).toBe(2);
    // A tree built for another N is not cached as this N's key.
    expect(() => runKey(tinyPolicy, 2, build, { cacheDir: null })).toThrow(/a run tree of 1 steps built for a key of 2/);
  });

  it('lives in ZPOL_KEY_CACHE, else the user\'s zpol cache; ZPOL_KEY_CACHE=off turns it off', () => {
    expect(keyCacheDir({ ZPOL_KEY_CACHE: '/x/keys' })).toBe('/x/keys');
    expect(keyCacheDir({ ZPOL_KEY_CACHE: 'off' })).toBeNull();
    expect(keyCacheDir({ ZPOL_CACHE_DIR: '/c' })).toBe(join('/c', 'run-keys'));
    expect(keyCacheDir({ XDG_CACHE_HOME: '/h' })).toBe(join('/h', 'zpol', 'run-keys'));
  });
});
