// The native kernels' thread stress test (threads.cc says what it checks and why): builds it with g++ from this
// checkout's gpu/native sources into a temporary folder, writes the single-threaded reference digests, then runs the
// stress build once per SIMD version the CPU has (ZPOL_SIMD scalar, avx2, best) and, with --tsan, under
// ThreadSanitizer. One line per build and run; exit 0 when every run matched the reference cleanly, 1 on a
// mismatch, TSan warning, crash or failed run, 2 when it cannot build (no g++, a compile error) or bad options.
// Run it before changing the native threading: npm run stress:native [-- --rounds N --threads T
// --hardware-threads H --tsan]. Not part of npm test: 85 s on a 2-core AMD EPYC, 4.2 minutes with --tsan.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const NATIVE = dirname(HERE);
// The addon's Node-API glue (the sources that include node_api.h or napi-args.h) is all that threads.cc does not
// call, and it needs Node's headers.
const isNodeGlue = (file) => /#include\s+[<"](node_api\.h|napi-args\.h)[>"]/.test(readFileSync(file, 'utf8'));
const CXX = process.env.CXX || 'g++';
const RUN_LIMIT_MS = 30 * 60 * 1000; // a run past this is taken for a deadlock

const USAGE = `usage: node gpu/native/stress/run.mjs [--rounds N] [--threads T] [--hardware-threads H] [--tsan]
  --rounds N            rounds per run, each with its own inputs; the first 12 use fresh transform sizes (default 24)
  --threads T           threads released together each round (default 8)
  --hardware-threads H  the machine's thread count the stress build's kernels see (default 16; they use at most 16)
  --tsan                also run a -fsanitize=thread build (best SIMD version only; a few minutes more)`;

function parseOptions(argv) {
  const options = { rounds: 24, threads: 8, hardwareThreads: 16, tsan: false };
  const numeric = { '--rounds': 'rounds', '--threads': 'threads', '--hardware-threads': 'hardwareThreads' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag === '--tsan' && inline === undefined) options.tsan = true;
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (flag in numeric) {
      const text = inline ?? argv[++i];
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) fail(2, `${flag} wants a positive integer, got ${text ?? 'nothing'}`);
      options[numeric[flag]] = n;
    } else fail(2, `unknown option ${argv[i]}\n${USAGE}`);
  }
  return options;
}

// The temporary folder of builds and logs, once made: fail() removes it, since nothing in it explains a build or
// option error beyond the message; a failed stress run keeps it and names it.
let workDir = null;

function fail(code, message) {
  console.error(`stress:native: ${message}`);
  if (workDir !== null) rmSync(workDir, { recursive: true, force: true });
  process.exit(code);
}

const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

// Runs a command; resolves with its exit code (or the signal that ended it), stdout and stderr.
function execute(command, args, { env = process.env, timeout = 0 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => resolve({ code: null, signal: null, stdout: '', stderr: String(e) }));
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

// Compiles every source with `flags` (as many at once as there are cores) and links them into dir/name.
async function build(dir, name, flags) {
  const started = performance.now();
  const sources = readdirSync(NATIVE)
    .filter((f) => f.endsWith('.cc'))
    .map((f) => join(NATIVE, f))
    .filter((f) => !isNodeGlue(f));
  sources.push(join(HERE, 'threads.cc'));
  const objects = sources.map((s) => join(dir, `${name}-${basename(s, '.cc')}.o`));
  const queue = sources.map((s, i) => [s, objects[i]]);
  const errors = [];
  const worker = async () => {
    for (let job = queue.shift(); job && errors.length === 0; job = queue.shift()) {
      const r = await execute(CXX, ['-std=c++17', '-pthread', ...flags, '-c', job[0], '-o', job[1]]);
      if (r.code !== 0) errors.push(`${basename(job[0])}:\n${r.stderr}`);
    }
  };
  await Promise.all(Array.from({ length: availableParallelism() }, worker));
  const binary = join(dir, name);
  if (errors.length === 0) {
    const r = await execute(CXX, ['-pthread', ...flags.filter((f) => f.startsWith('-fsanitize')), ...objects, '-o', binary, '-ldl']);
    if (r.code !== 0) errors.push(`link:\n${r.stderr}`);
  }
  if (errors.length > 0) fail(2, `building ${name} failed: ${errors[0].slice(0, 4000)}`);
  console.log(`build ${name} (${flags.join(' ')}): ${seconds(started)}`);
  return binary;
}

const hardwareThreadsFlag = (n) => `-DZPOL_HARDWARE_THREADS()=${n}`;

// The ZPOL_SIMD caps to run: those that choose a version of their own on this CPU (without AVX-512, best is avx2;
// without AVX2, both are scalar).
async function simdCaps(binary) {
  const levels = new Map();
  for (const cap of ['scalar', 'avx2', 'best']) {
    const r = await execute(binary, ['simd'], { env: simdEnv(cap), timeout: RUN_LIMIT_MS });
    const level = r.stdout.trim();
    if (r.code !== 0 || !level) fail(1, `${binary} simd (ZPOL_SIMD=${cap}) failed: ${r.stderr || `exit ${r.code}`}`);
    if (![...levels.values()].includes(level)) levels.set(cap, level);
  }
  return [...levels.keys()];
}

function simdEnv(cap, extra = {}) {
  const env = { ...process.env, ...extra };
  if (cap === 'best') delete env.ZPOL_SIMD;
  else env.ZPOL_SIMD = cap;
  return env;
}

// One stress run: prints its summary line and returns whether it passed.
async function stressRun({ name, label, binary, env, tsan }, reference, options, logDir) {
  const started = performance.now();
  const r = await execute(binary, ['stress', reference, String(options.rounds), String(options.threads)], {
    env,
    timeout: RUN_LIMIT_MS,
  });
  const mismatches = (r.stderr.match(/^MISMATCH /gm) ?? []).length;
  const warnings = (r.stderr.match(/WARNING: ThreadSanitizer/g) ?? []).length;
  const summary = r.stdout.trim().split('\n').pop() || `no summary (the run did not finish), ${mismatches} mismatches before it ended`;
  const ended = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  const passed = r.code === 0 && mismatches === 0 && warnings === 0;
  const log = join(logDir, `${name}.stderr`);
  writeFileSync(log, r.stderr);
  const tsanWarnings = tsan ? `, ${warnings} TSan warnings` : '';
  let line = `${passed ? 'ok  ' : 'FAIL'} ${label}: ${summary} (${ended}${tsanWarnings}, ${seconds(started)})`;
  if (!passed) {
    const firstLines = r.stderr.split('\n').filter((l) => l.trim()).slice(0, 6);
    line += `\n     ${firstLines.join('\n     ')}\n     (stderr: ${log})`;
  }
  console.log(line);
  return passed;
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const version = spawnSync(CXX, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    const why = version.error?.code ?? `exit ${version.status}`;
    fail(2, `${CXX} is needed to build the stress test and did not run (${why}); install g++ or set CXX`);
  }
  const started = performance.now();
  const dir = (workDir = mkdtempSync(join(tmpdir(), 'zpol-stress-')));
  const optimized = ['-O2', '-march=native'];
  const reference = join(dir, 'reference.txt');

  // The reference: one calling thread, and kernel_threads() 1, so no kernel splits its work.
  const referenceBinary = await build(dir, 'reference', [...optimized, hardwareThreadsFlag(1)]);
  const r = await execute(referenceBinary, ['reference', reference, String(options.rounds)], { timeout: RUN_LIMIT_MS });
  if (r.code !== 0 || !existsSync(reference)) {
    fail(1, `the reference run failed (${r.signal ?? `exit ${r.code}`}): ${r.stderr.slice(0, 2000)}`);
  }
  console.log(r.stdout.trim());

  const hardware = hardwareThreadsFlag(options.hardwareThreads);
  const stressBinary = await build(dir, 'stress', [...optimized, hardware]);
  const runs = [];
  for (const cap of await simdCaps(stressBinary)) {
    runs.push({ name: `O2-${cap}`, label: `-O2 ZPOL_SIMD=${cap}`, binary: stressBinary, env: simdEnv(cap) });
  }
  if (options.tsan) {
    const tsanBinary = await build(dir, 'tsan', ['-O1', '-g', '-march=native', '-fsanitize=thread', hardware]);
    const tsanOptions = `halt_on_error=0 second_deadlock_stack=1 ${process.env.TSAN_OPTIONS ?? ''}`.trim();
    const env = simdEnv('best', { TSAN_OPTIONS: tsanOptions });
    runs.push({ name: 'tsan-best', label: 'TSan ZPOL_SIMD=best', binary: tsanBinary, env, tsan: true });
  }
  let failed = 0;
  for (const run of runs) {
    if (!(await stressRun(run, reference, options, dir))) failed++;
  }

  const kernelThreads = Math.min(options.hardwareThreads, 16);
  const what = `${runs.length} runs of ${options.threads} threads x ${options.rounds} rounds, kernel threads ${kernelThreads}`;
  if (failed > 0) {
    console.log(`stress:native: FAILED ${failed} of ${what} (${seconds(started)}; builds and logs kept in ${dir})`);
    process.exit(1);
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`stress:native: passed ${what} (${seconds(started)})`);
}

await main();
