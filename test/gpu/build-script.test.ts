// gpu/build.mjs reads node-gyp's output with a buffer far above spawnSync's default 1 MiB: GCC 12 printed 2.2 MB of
// warnings building the addon (gpu/native/x86-intrin.h says which, now silenced at the source), and the default
// buffer killed the build with ENOBUFS on every fresh clone, so proofs fell back to the TypeScript backend. Run here
// on a copy of the script with a stand-in node-gyp that prints 4 MB and succeeds: no compiler is run.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpol-build-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'cuda'));
// The CUDA build script reads its flags when loaded (ZPOL_NO_CUDA=1 then skips it).
for (const f of ['build.mjs', 'build-cuda.mjs', 'cuda/nvcc.flags']) copyFileSync(join(root, 'gpu', f), join(dir, f));

function build(gyp: string) {
  writeFileSync(join(dir, 'fake-gyp.js'), gyp);
  return spawnSync(process.execPath, [join(dir, 'build.mjs')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, npm_config_node_gyp: join(dir, 'fake-gyp.js'), ZPOL_NO_CUDA: '1', ZPOL_NO_NATIVE: '' },
  });
}

describe('gpu/build.mjs', () => {
  it("reads megabytes of compiler output without failing the build", () => {
    const line = 'warning: something the compiler says about a header\n';
    const r = build(`process.stderr.write(${JSON.stringify(line)}.repeat(${Math.ceil((2 * 2 ** 20) / line.length)})); process.stdout.write(${JSON.stringify(line)}.repeat(${Math.ceil((2 * 2 ** 20) / line.length)}));`);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/native CPU backend was not built/);
    expect(r.stdout).toContain('zpol: native CPU backend built');
  });

  it('still reports a failed build as not built, naming its last line, and exits 0', () => {
    const r = build("process.stderr.write('error: no compiler\\n'); process.exit(1);");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('zpol: the native CPU backend was not built (error: no compiler); proving uses the TypeScript backend');
  });
});
