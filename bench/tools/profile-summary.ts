// Summarises a V8 .cpuprofile: self time by function and inclusive time by package/file,
// a text stand-in for a flame graph (`node dist/bench/tools/profile-summary.js <file> [top]
// [skip seconds]`): skipping the first seconds leaves the start-up (module loading) out.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 6);
  return url.replace(/^node:/, 'node:') || '(native)';
}

function main(): void {
  const [file, topArg, skipArg] = process.argv.slice(2);
  const top = Number(topArg ?? 30);
  const skipMicros = Number(skipArg ?? 0) * 1e6;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let elapsed = 0;
  const samples = profile.samples.filter(
    (_, i) => (elapsed += profile.timeDeltas[i]) >= skipMicros,
  );
  const total = samples.length;
  process.stdout.write(
    `${total} of ${profile.samples.length} samples (${(elapsed / 1e6).toFixed(1)} s profiled, first ${skipMicros / 1e6} s skipped)\n`,
  );
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const id of samples) {
    const node = byId.get(id)!;
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const pkg = where(n.callFrame.url);
      if (!seen.has(pkg)) {
        seen.add(pkg);
        inclusive.set(pkg, (inclusive.get(pkg) ?? 0) + 1);
      }
    }
  }
  const show = (title: string, map: Map<string, number>): void => {
    process.stdout.write(`\n${title}\n`);
    for (const [key, count] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${((count / total) * 100).toFixed(1).padStart(6)} %  ${key}\n`);
    }
  };
  show('self time by function', self);
  show('inclusive time by package or file', inclusive);
}

main();
