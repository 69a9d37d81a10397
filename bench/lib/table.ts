import { loadavg } from 'node:os';
import { freePort } from '../../libs/database/src/free-port';
import type { Fixture } from './fixture';
import { load, type LoadResult } from './load';
import { describeMemory } from './memory-report';
import { type ServerProcess, readCpuMicros } from './processes';
import type { ScenarioReport } from './report';
import { SCENARIOS, type Scenario, authHeaders, semiSpaceScenarios } from './scenarios';
import { type BenchContext, startServer } from './servers';

const MIB = 1024 * 1024;
const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Warm-up, then `--repeat` measured runs; the median run, with failures summed over all. */
async function runScenario(
  ctx: BenchContext,
  scenario: Scenario,
  f: Fixture,
  server: ServerProcess,
  port: number,
): Promise<LoadResult> {
  const base = {
    url: `http://127.0.0.1:${port}`,
    connections: ctx.args.connections,
    headers: authHeaders(scenario, f),
    requests: scenario.requests(f),
  };
  if (ctx.args.warmupSeconds > 0) await load({ ...base, durationSeconds: ctx.args.warmupSeconds });
  const runs: LoadResult[] = [];
  const cpuBefore = readCpuMicros(server.pid);
  const loadBefore = loadavg()[0];
  for (let i = 0; i < ctx.args.repeat; i++) {
    runs.push(await load({ ...base, durationSeconds: ctx.args.durationSeconds }));
  }
  const answered = runs.reduce((a, r) => a + r.total, 0);
  const cpu = readCpuMicros(server.pid) - cpuBefore;
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return {
    ...median,
    errors: runs.reduce((a, r) => a + r.errors, 0),
    timeouts: runs.reduce((a, r) => a + r.timeouts, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    runs: runs.map((r) => r.requestsPerSecond),
    serverCpuMicrosPerRequest: answered > 0 ? Math.round(cpu / answered) : undefined,
    loadAverage: [round2(loadBefore), round2(loadavg()[0])],
  };
}

/** The selected scenarios (anchors always), each server started once for its group. */
export async function runTable(ctx: BenchContext, f: Fixture): Promise<ScenarioReport[]> {
  const selected = [...SCENARIOS, ...semiSpaceScenarios(ctx.args.semiSpaces)].filter(
    (s) =>
      ctx.args.only.length === 0 ||
      ctx.args.only.some((o) => s.name.startsWith(o)) ||
      s.server.startsWith('anchor'),
  );
  const results = new Map<string, LoadResult>();
  const rss = new Map<string, { afterLoadMiB: number; afterGcMiB: number }>();
  for (const serverName of [...new Set(selected.map((s) => s.server))]) {
    const port = await freePort();
    const server = await startServer(ctx, serverName, port);
    try {
      if (!serverName.startsWith('anchor'))
        process.stdout.write(
          describeMemory(`${serverName} at boot`, await server.memory({ detail: true })),
        );
      for (const scenario of selected.filter((s) => s.server === serverName)) {
        process.stdout.write(`→ ${scenario.label} … `);
        const result = await runScenario(ctx, scenario, f, server, port);
        results.set(scenario.name, result);
        const failed = result.errors + result.timeouts + result.non2xx;
        process.stdout.write(
          `${result.requestsPerSecond} req/s${result.runs && result.runs.length > 1 ? ` (runs: ${result.runs.join(', ')})` : ''}, p99 ${result.latencyMs.p99} ms, server CPU ${result.serverCpuMicrosPerRequest ?? '?'} µs/req, load ${result.loadAverage?.join('→')}${failed ? `, ${failed} FAILED ${JSON.stringify(result.statusCodes)}` : ''}\n`,
        );
      }
      if (!serverName.startsWith('anchor')) {
        const memory = await server.memory({ detail: true });
        const floor = await server.memory({ gc: true });
        process.stdout.write(describeMemory(`${serverName} after the load`, memory, 0));
        rss.set(serverName, { afterLoadMiB: memory.rss / MIB, afterGcMiB: floor.rss / MIB });
        process.stdout.write(
          `  ${serverName}: RSS ${(memory.rss / MIB).toFixed(1)} MiB, heap used ${(memory.heapUsed / MIB).toFixed(1)} MiB; after a full GC RSS ${(floor.rss / MIB).toFixed(1)} MiB, heap used ${(floor.heapUsed / MIB).toFixed(1)} MiB\n`,
        );
      }
    } finally {
      const code = await server.stop();
      if (code !== 0 && code !== null)
        process.stdout.write(`  ${serverName} exited with code ${code} (see its log)\n`);
    }
  }
  const ratio = (value: number, anchor?: LoadResult): number | null =>
    anchor && anchor.requestsPerSecond > 0 ? value / anchor.requestsPerSecond : null;
  return selected.map((s) => {
    const r = results.get(s.name)!;
    return {
      name: s.name,
      label: s.label,
      server: s.server,
      ...r,
      ratioToHello: ratio(r.requestsPerSecond, results.get('anchor-hello')),
      ratioToPgRead: ratio(r.requestsPerSecond, results.get('anchor-pg-read')),
      serverRss: rss.get(s.server),
    };
  });
}
