// Regenerates the "Values" table of helm/content-blocks/README.md from values.yaml's `# --`
// comments (like helm-docs): `npm run helm:docs`. test/helm/chart.spec.ts checks every key is there.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const chart = join(dirname(fileURLToPath(import.meta.url)), '../helm/content-blocks');
const text = readFileSync(join(chart, 'values.yaml'), 'utf8');
const values = parse(text);
const lines = text.split('\n');
const path = [];
const rows = [];
lines.forEach((line, i) => {
  const match = /^( *)([A-Za-z][\w.-]*):/.exec(line);
  if (!match || match[1].length % 2 !== 0) return;
  path.length = match[1].length / 2;
  path.push(match[2]);
  const comment = /^\s*# -- (.*)$/.exec(lines[i - 1] ?? '');
  if (!comment) return;
  const key = path.join('.');
  const value = path.reduce((v, p) => v?.[p], values);
  const type = Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value;
  const shown = JSON.stringify(value);
  const cell = shown.length > 60 ? 'see values.yaml' : `\`${shown.replace(/\|/g, '\\|')}\``;
  rows.push(`| \`${key}\` | ${type} | ${cell} | ${comment[1].replace(/\|/g, '\\|')} |`);
});
const table = ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows].join(
  '\n',
);
const readmePath = join(chart, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const begin = '<!-- values:begin -->';
const end = '<!-- values:end -->';
const next = readme.replace(
  new RegExp(`${begin}[\\s\\S]*${end}`),
  `${begin}\n\n${table}\n\n${end}`,
);
writeFileSync(readmePath, next);
process.stdout.write(`${rows.length} values documented in ${readmePath}\n`);
