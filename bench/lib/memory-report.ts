import type { MemorySample } from './processes';

const MIB = 1024 * 1024;
const mib = (n: number): string => (n / MIB).toFixed(1);

/**
 * One line of where RSS goes (V8 heap committed vs in use, external and array buffers, the rest:
 * code, stacks, malloc arenas) and, with the probe's detail, the heap spaces and the packages with
 * the most loaded modules.
 */
export function describeMemory(label: string, m: MemorySample, topPackages = 12): string {
  const lines = [
    `  ${label}: RSS ${mib(m.rss)} MiB = heap ${mib(m.heapTotal)} committed (${mib(m.heapUsed)} used) + external ${mib(m.external)} (array buffers ${mib(m.arrayBuffers)}) + rest ${mib(m.rss - m.heapTotal - m.external)} MiB`,
  ];
  if (m.heapSpaces) {
    lines.push(
      `    heap spaces: ${Object.entries(m.heapSpaces)
        .filter(([, size]) => size > 0)
        .map(([name, size]) => `${name.replace(/_space$/, '')} ${mib(size)}`)
        .join(', ')} MiB`,
    );
  }
  if (m.modules) {
    const entries = Object.entries(m.modules).sort((a, b) => b[1] - a[1]);
    const total = entries.reduce((a, [, n]) => a + n, 0);
    lines.push(
      `    ${total} modules from ${entries.length} packages; most: ${entries
        .slice(0, topPackages)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Packages loaded in `after` that `before` did not have (e.g. loaded by the first request). */
export function newPackages(before: MemorySample, after: MemorySample): string[] {
  return Object.keys(after.modules ?? {}).filter((name) => !(name in (before.modules ?? {})));
}
