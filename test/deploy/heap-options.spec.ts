import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run } from './tools';

// The image's entrypoint derives V8 heap caps from the cgroup memory limit; the rule itself is
// deploy/docker/heap-options.sh, a pure function of the limit, so it is tested with given limits.
const HEAP_OPTIONS = join(ROOT, 'deploy/docker/heap-options.sh');
const ENTRYPOINT = join(ROOT, 'deploy/docker/entrypoint.sh');
const MIB = 1024 * 1024;

const heapOptions = (limit?: string): string => {
  const result = run('/bin/sh', [HEAP_OPTIONS, ...(limit === undefined ? [] : [limit])]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
};

const entrypoint = (nodeOptions: string | undefined, script: string): string => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  const result = run('/bin/sh', [ENTRYPOINT, process.execPath, '-e', script], { env });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
};

/** What this machine's cgroup says, read as the entrypoint reads it. */
const hostLimit = (): string => {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'])
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  return 'max';
};

describe('deploy/docker/heap-options.sh (heap caps from the memory limit)', () => {
  it('caps old space at 60 % of the limit with 16 MiB semi-spaces, as the chart does', () => {
    expect(heapOptions(String(512 * MIB))).toBe(
      '--max-old-space-size=307 --max-semi-space-size=16',
    );
    expect(heapOptions(String(1024 * MIB))).toBe(
      '--max-old-space-size=614 --max-semi-space-size=16',
    );
    expect(heapOptions(String(256 * MIB + 12345))).toBe(
      '--max-old-space-size=153 --max-semi-space-size=16',
    );
  });

  it("assumes the chart's 512 MiB when there is no limit (v2 max, v1's huge number, nothing)", () => {
    const fallback = '--max-old-space-size=307 --max-semi-space-size=16';
    expect(heapOptions('max')).toBe(fallback);
    expect(heapOptions('9223372036854771712')).toBe(fallback);
    expect(heapOptions()).toBe(fallback);
    expect(heapOptions('')).toBe(fallback);
    expect(heapOptions('12abc')).toBe(fallback);
  });

  it('never derives a cap below what 64 MiB gives', () => {
    expect(heapOptions(String(10 * MIB))).toBe('--max-old-space-size=38 --max-semi-space-size=16');
  });
});

describe('deploy/docker/entrypoint.sh', () => {
  const printOptions = 'console.log(process.env.NODE_OPTIONS ?? "")';

  it("adds the derived caps to NODE_OPTIONS, keeping the caller's other options", () => {
    const derived = heapOptions(hostLimit());
    expect(entrypoint(undefined, printOptions)).toBe(derived);
    expect(entrypoint('--enable-source-maps', printOptions)).toBe(
      `--enable-source-maps ${derived}`,
    );
  });

  it('leaves a NODE_OPTIONS that sets the old space itself as it is', () => {
    expect(entrypoint('--max-old-space-size=200', printOptions)).toBe('--max-old-space-size=200');
    expect(entrypoint('--enable-source-maps --max-old-space-size=200', printOptions)).toBe(
      '--enable-source-maps --max-old-space-size=200',
    );
  });

  it('really bounds the heap of the Node it starts', () => {
    const derivedMiB = Number(/--max-old-space-size=(\d+)/.exec(heapOptions(hostLimit()))![1]);
    const limitMiB =
      Number(
        entrypoint(undefined, 'console.log(require("v8").getHeapStatistics().heap_size_limit)'),
      ) / MIB;
    // heap_size_limit is old space plus the young generation (a few semi-spaces of 16 MiB).
    expect(limitMiB).toBeGreaterThanOrEqual(derivedMiB);
    expect(limitMiB).toBeLessThan(derivedMiB + 100);
  });
});
