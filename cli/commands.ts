/**
 * Every zpol command, by id. package.json's `oclif.commands` points here (explicit strategy): adding a
 * command means writing cli/commands/NAME.ts (a ZpolCommand from cli/base.ts) and adding it below.
 *
 * Command files import their heavy dependencies inside `run()`, so loading this map (which every invocation,
 * `zpol --help` included, does) stays cheap.
 */
import Aggregate from './commands/aggregate.ts';
import Challenge from './commands/challenge.ts';
import Check from './commands/check.ts';
import Compile from './commands/compile.ts';
import Conformance from './commands/conformance.ts';
import Demo from './commands/demo.ts';
import Diff from './commands/diff.ts';
import Eval from './commands/eval.ts';
import Explain from './commands/explain.ts';
import Fmt from './commands/fmt.ts';
import Genesis from './commands/genesis.ts';
import Info from './commands/info.ts';
import Lint from './commands/lint.ts';
import Lsp from './commands/lsp.ts';
import Prove from './commands/prove.ts';
import Test from './commands/test.ts';
import Verify from './commands/verify.ts';
import Worker from './commands/worker.ts';

export const commands = {
  check: Check,
  lint: Lint,
  fmt: Fmt,
  conformance: Conformance,
  compile: Compile,
  info: Info,
  eval: Eval,
  genesis: Genesis,
  prove: Prove,
  verify: Verify,
  challenge: Challenge,
  aggregate: Aggregate,
  demo: Demo,
  lsp: Lsp,
  explain: Explain,
  worker: Worker,
  test: Test,
  diff: Diff,
};
