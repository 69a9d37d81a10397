// CPU time per request of one bench scenario, split by process: the bench runner (autocannon),
// the server under test and PostgreSQL. Less sensitive to a busy host than req/s.
//   node dist/bench/run.js --only read-jwt > bench.log &
//   node dist/bench/tools/cpu-per-request.js bench.log "GET /api/blocks/{id} JWT " [seconds]
// It waits for the scenario's "→ <label>" line, skips the 3 s warm-up, samples /proc over the
// window, then divides by the scenario's req/s once the runner prints it.
import { readFileSync, readdirSync } from 'node:fs';

interface Proc {
  ppid: number;
  ticks: number;
  cmd: string;
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function processes(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      out.set(Number(entry), {
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
        cmd,
      });
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}

/** The bench runner and every process below it (API, anchors, embedded PostgreSQL). */
function benchTree(all: Map<number, Proc>): Set<number> {
  const root = [...all].find(([, p]) => p.cmd.includes('dist/bench/run.js'))?.[0];
  const tree = new Set<number>(root === undefined ? [] : [root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of all) {
      if (!tree.has(pid) && tree.has(p.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

function kind(cmd: string): string {
  if (cmd.startsWith('postgres')) return 'postgres';
  return cmd.includes('bench/run.js') ? 'autocannon' : 'server';
}

async function main(): Promise<void> {
  const [log, label, seconds = '6'] = process.argv.slice(2);
  if (!log || !label) throw new Error('usage: cpu-per-request <bench log> <scenario label> [s]');
  const window = Number(seconds);
  while (!readFileSync(log, 'utf8').includes(`→ ${label}`)) await sleep(200);
  await sleep(4_000);
  const before = processes();
  await sleep(window * 1_000);
  const after = processes();
  const ticks = new Map<string, number>();
  for (const pid of benchTree(after)) {
    const p = after.get(pid)!;
    const used = p.ticks - (before.get(pid)?.ticks ?? 0);
    if (used > 0) ticks.set(kind(p.cmd), (ticks.get(kind(p.cmd)) ?? 0) + used);
  }
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const result = new RegExp(`→ ${escaped}[^…\\n]*… (\\d+) req/s`);
  let match: RegExpMatchArray | null = null;
  while (!(match = readFileSync(log, 'utf8').match(result))) await sleep(500);
  const requests = Number(match[1]) * window;
  const perRequest = (t: number): string => ((t / TICKS_PER_SECOND / requests) * 1e6).toFixed(0);
  const total = [...ticks.values()].reduce((a, b) => a + b, 0);
  const parts = [...ticks].map(([k, t]) => `${k} ${perRequest(t)}`).join(', ');
  console.log(
    `${label.trim()}: ${match[1]} req/s, ${perRequest(total)} µs CPU per request (${parts})`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
