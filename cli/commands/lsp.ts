import { Flags } from '@oclif/core';
import { ZpolCommand } from '../base.ts';

export default class Lsp extends ZpolCommand {
  static override summary = 'Run the language server (Language Server Protocol over stdin and stdout).';
  static override description = `For editors: diagnostics as you type (checker and lint rules), hover (declaration, type, unit, value, documentation, where a name comes from, a clause's proving cost), go to definition and references across files and into the standard library, completion of names, fields, units, types and enum members, document symbols, formatting as 'zpol fmt' does, and a code lens over each clause with its proving cost as 'zpol info' counts it. The VS Code extension in editors/vscode starts it (docs/editors.md).

It runs until the client asks it to exit.`;
  static override examples = ['<%= config.bin %> lsp --stdio'];

  static override flags = {
    stdio: Flags.boolean({ summary: 'Talk over stdin and stdout (the only transport, and the default).', default: true }),
  };

  async run(): Promise<void> {
    await this.parse(Lsp);
    const { startServer } = await import('../lsp/server.ts');
    const connection = startServer({ input: process.stdin, output: process.stdout });
    await new Promise<void>((done) => connection.onExit(() => done()));
  }
}
