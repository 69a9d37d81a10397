import type { RequestSpec } from 'autocannon';
import { freePort } from '../../libs/database/src/free-port';
import type { Fixture } from './fixture';
import { load, type LoadResult } from './load';
import type { SoakSample, TargetReport } from './report';
import { SCENARIOS, authHeaders } from './scenarios';
import { type BenchContext, startServer } from './servers';
import { soakTargets } from './targets';

const MIB = 1024 * 1024;
const IDLE_PAUSE_MS = 5_000;

export interface SoakResult {
  samples: SoakSample[];
  failed: number;
  result: LoadResult;
  targets: TargetReport[];
}

/** Every API scenario but login, each request carrying its own credentials; reads ×3. */
function mixedRequests(f: Fixture): RequestSpec[] {
  const requests: RequestSpec[] = [{ method: 'GET', path: '/health/live' }];
  for (const scenario of SCENARIOS.filter(
    (s) => s.server === 'api' && s.name !== 'login' && s.name !== 'health-live',
  )) {
    const headers = authHeaders(scenario, f);
    // Reads dominate real traffic: three reads for every other operation.
    const times = scenario.name === 'read-jwt' ? 3 : 1;
    for (let i = 0; i < times; i++)
      requests.push(
        ...scenario.requests(f).map((r) => ({ ...r, headers: { ...r.headers, ...headers } })),
      );
  }
  return requests;
}

/** Mixed traffic for `--soak` seconds; RSS and heap of the API every 10 s. */
export async function runSoak(ctx: BenchContext, f: Fixture): Promise<SoakResult> {
  const port = await freePort();
  const server = await startServer(ctx, 'api', port);
  const requests = mixedRequests(f);
  process.stdout.write(
    `Soak: ${requests.length} request kinds in rotation, ${ctx.args.soakSeconds} s at ${ctx.args.connections} connections\n`,
  );
  const samples: SoakSample[] = [];
  const started = Date.now();
  let answered = 0;
  let ticks = 0;
  const sample = async (phase?: SoakSample['phase']): Promise<void> => {
    const m = await server.memory();
    // Every minute (and after the load) a full collection: its heap in use is the floor.
    const floor =
      phase !== undefined || ticks % 6 === 0 ? await server.memory({ gc: true }) : undefined;
    const s: SoakSample = {
      seconds: Math.round((Date.now() - started) / 1000),
      rssMiB: m.rss / MIB,
      heapUsedMiB: m.heapUsed / MIB,
      heapTotalMiB: m.heapTotal / MIB,
      requests: answered,
      ...(floor?.collected ? { floorMiB: floor.heapUsed / MIB, floorRssMiB: floor.rss / MIB } : {}),
      ...(phase ? { phase } : {}),
    };
    ticks++;
    samples.push(s);
    process.stdout.write(
      `  t=${s.seconds}s RSS ${s.rssMiB.toFixed(1)} MiB heap ${s.heapUsedMiB.toFixed(1)}/${s.heapTotalMiB.toFixed(1)} MiB${s.floorMiB === undefined ? '' : `, after a full GC heap ${s.floorMiB.toFixed(1)} MiB RSS ${s.floorRssMiB!.toFixed(1)} MiB`}${phase ? ` (${phase})` : ''}\n`,
    );
  };
  await sample();
  const timer = setInterval(() => void sample(), 10_000);
  let result: LoadResult;
  try {
    result = await load({
      url: `http://127.0.0.1:${port}`,
      connections: ctx.args.connections,
      durationSeconds: ctx.args.soakSeconds,
      requests,
      onTick: (n) => (answered += n),
    });
    answered = result.total;
  } finally {
    clearInterval(timer);
  }
  // An idle pause lets the audit queue and sockets settle before "after the load" is read.
  await new Promise((r) => setTimeout(r, IDLE_PAUSE_MS));
  await sample('after load');
  await server.stop();
  return {
    samples,
    // The assembly's tenant slots (2 at once) answer the rest 429 by design: refused, not failed.
    failed: result.errors + result.timeouts + result.non2xx - (result.statusCodes['429'] ?? 0),
    result,
    targets: soakTargets(samples),
  };
}
