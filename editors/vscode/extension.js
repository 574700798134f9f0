// The zpol extension: starts `zpol lsp --stdio` (the executable in the `zpol.path` setting) for .zpol files and
// hands it to VS Code's language client. Highlighting is the TextMate grammar in syntaxes/, which needs no server.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('zpol').get('path') || 'zpol';
  const executable = { command, args: ['lsp', '--stdio'], options: { shell: process.platform === 'win32' } };
  client = new LanguageClient(
    'zpol',
    'zpol language server',
    { run: executable, debug: executable },
    { documentSelector: [{ scheme: 'file', language: 'zpol' }, { scheme: 'untitled', language: 'zpol' }] },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
