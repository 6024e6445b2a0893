// Tokenises every .srm file the repository ships with the TextMate grammar, as VS Code does,
// and fails on a keyword of the language left unscoped (a hole in the grammar) or on a
// keyword of grammar/srm.pest the TextMate grammar does not know (the two have drifted).
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const repository = path.join(__dirname, "..", "..", "..");
const grammarPath = path.join(__dirname, "..", "syntaxes", "srm.tmLanguage.json");

// The keywords are the literals of the pest grammar's `kw_*` rules.
const pest = fs.readFileSync(path.join(repository, "grammar", "srm.pest"), "utf8");
const keywords = [...pest.matchAll(/^kw_\w+\s*=\s*@\{\s*"([a-z-]+)"/gm)].map((m) => m[1]);
if (keywords.length < 30) {
  throw new Error(`found only ${keywords.length} keywords in grammar/srm.pest`);
}

function srmFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return srmFiles(full);
    return entry.name.endsWith(".srm") ? [full] : [];
  });
}

async function main() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scope) =>
      scope === "source.srm"
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
        : null,
  });
  const grammar = await registry.loadGrammar("source.srm");

  // Every keyword, alone on a line, gets a scope of its own.
  const failures = [];
  for (const keyword of keywords) {
    const { tokens } = grammar.tokenizeLine(keyword, vsctm.INITIAL);
    if (tokens.length !== 1 || tokens[0].scopes.length < 2) {
      failures.push(`grammar/srm.pest keyword \`${keyword}\` is not scoped by the TextMate grammar`);
    }
  }

  const files = [
    ...srmFiles(path.join(repository, "matrices")),
    ...srmFiles(path.join(repository, "tests", "fixtures", "ok")),
  ];
  let checked = 0;
  for (const file of files) {
    let stack = vsctm.INITIAL;
    const lines = fs.readFileSync(file, "utf8").split(/\r\n|\r|\n/);
    lines.forEach((line, index) => {
      const { tokens, ruleStack } = grammar.tokenizeLine(line, stack);
      stack = ruleStack;
      for (const token of tokens) {
        for (const match of line.slice(token.startIndex, token.endIndex).matchAll(/[a-z][a-z-]*/g)) {
          if (keywords.includes(match[0]) && token.scopes.length === 1) {
            failures.push(`${path.relative(repository, file)}:${index + 1}: \`${match[0]}\` is unscoped`);
          }
        }
      }
      checked += tokens.length;
    });
  }
  if (files.length === 0) failures.push("no .srm files found");
  if (failures.length > 0) {
    console.error(failures.join("\n"));
    process.exit(1);
  }
  console.log(`${files.length} files, ${checked} tokens: every keyword scoped`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
