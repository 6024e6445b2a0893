// The client: starts `srmc lsp` for .srm files. Everything else (diagnostics, hover, completion,
// formatting…) is the server's.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("srm").get("server.path") || "srmc";
  const run = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "srm",
    "srmc",
    { run, debug: run },
    { documentSelector: [{ scheme: "file", language: "srm" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
