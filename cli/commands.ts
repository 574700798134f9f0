/**
 * Every zpol command, by id. package.json's `oclif.commands` points here (explicit strategy): adding a
 * command means writing cli/commands/NAME.ts (a ZpolCommand from cli/base.ts) and adding it below.
 *
 * Command files import their heavy dependencies inside `run()`, so loading this map (which every invocation,
 * `zpol --help` included, does) stays cheap.
 */
import Check from './commands/check.ts';
import Compile from './commands/compile.ts';
import Conformance from './commands/conformance.ts';
import Eval from './commands/eval.ts';
import Fmt from './commands/fmt.ts';
import Info from './commands/info.ts';
import Lint from './commands/lint.ts';

// To come, each registered here when its file lands (no placeholders):
//   genesis, prove, verify, demo                — runtime/
export const commands = {
  check: Check,
  lint: Lint,
  fmt: Fmt,
  conformance: Conformance,
  compile: Compile,
  info: Info,
  eval: Eval,
};
