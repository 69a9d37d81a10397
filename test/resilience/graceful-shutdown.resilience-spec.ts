import { registerUser } from '../support/auth-fixtures';
import { ApiProcess, migrate } from './support/api-process';
import { startLoadLoop } from './support/load-loop';
import { fetchOpenApi, hasOperation } from './support/openapi';
import { PostgresCluster } from './support/postgres-cluster';

const SHUTDOWN_DELAY_MS = 1500;
const SHUTDOWN_TIMEOUT_MS = 10_000;
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'socket hang up']);

/**
 * SIGTERM in the middle of a load run: readiness fails at once while the API keeps serving for
 * SHUTDOWN_DELAY_MS, accepted requests complete, nothing but 503 is a 5xx, the process exits 0
 * within the grace period, and the audit queue is drained (every answered read has its entry).
 */
describe('graceful shutdown under load', () => {
  let pg: PostgresCluster;
  let databaseUrl: string;

  beforeAll(async () => {
    pg = await PostgresCluster.create();
    databaseUrl = await pg.createDatabase('cb_resilience_shutdown');
    migrate(databaseUrl);
  });
  afterAll(async () => {
    await pg?.destroy();
  });

  it('drains in-flight requests, fails readiness first and exits 0 within the grace period', async () => {
    const api = await ApiProcess.start(databaseUrl, {
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      RATE_LIMIT_PER_MINUTE: '1000000000',
    });
    try {
      const doc = await fetchOpenApi(api.http);
      const target = await readTarget(api, hasOperation(doc, 'get', '/api/blocks/{id}'));
      const load = startLoadLoop({
        baseUrl: api.baseUrl,
        connections: 16,
        next: () => target,
      });
      await new Promise((r) => setTimeout(r, 2000));

      const sigtermAt = Date.now() - load.startedAt;
      api.child.kill('SIGTERM');
      const readyAfterMs = await api.waitFor(
        async () => (await api.http.get('/health/ready')).status === 503,
        1000,
        20,
      );
      const exit = await withTimeout(
        api.exited,
        SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS + 2000,
        'the API did not exit within the grace period',
      );
      const exitedAt = Date.now() - load.startedAt;
      await new Promise((r) => setTimeout(r, 200));
      await load.stop();

      expect(readyAfterMs).toBeLessThan(500);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(exitedAt - sigtermAt).toBeLessThan(SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS);

      const answered = load.outcomes.filter((o) => o.status !== undefined);
      const before = answered.filter((o) => o.at < sigtermAt);
      expect(before.length).toBeGreaterThan(100);
      // Nothing but 2xx, and 503 for requests that arrive while the server closes.
      const statuses = new Set(answered.map((o) => o.status));
      for (const status of statuses) expect([200, 503]).toContain(status);
      // While the delay runs, the API still serves: readiness alone tells balancers to go away.
      const duringDelay = answered.filter(
        (o) => o.at > sigtermAt && o.at < sigtermAt + SHUTDOWN_DELAY_MS - 100,
      );
      expect(duringDelay.length).toBeGreaterThan(0);
      expect(duringDelay.every((o) => o.status === 200)).toBe(true);
      // Connection-level failures happen only once the server stopped accepting.
      const errors = load.outcomes.filter((o) => o.error !== undefined);
      for (const error of errors) {
        expect(CONNECTION_ERRORS.has(error.error!) || error.error).toBe(true);
        expect(error.at).toBeGreaterThanOrEqual(sigtermAt + SHUTDOWN_DELAY_MS - 100);
      }

      if (target.audited) {
        // The audit service logs what it could not write before exiting: nothing, here.
        const dropped = api.output.filter((line) =>
          /could not be written|audit.*(failed|lost)/i.test(line),
        );
        expect(dropped.map((line) => line.slice(0, 300))).toEqual([]);
        const reads = answered.filter((o) => o.status === 200).length;
        expect(await countReadAudits(databaseUrl, target.tenantId!)).toBe(reads);
      }
    } finally {
      await api.stop();
    }
  });
});

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

interface Target {
  path: string;
  headers?: Record<string, string>;
  audited: boolean;
  tenantId?: string;
}

/** The audited block read once identity and blocks exist; the liveness probe before that. */
async function readTarget(api: ApiProcess, hasBlocks: boolean): Promise<Target> {
  if (!hasBlocks) return { path: '/health/live', audited: false };
  const user = await registerUser(api.http, { tenantName: 'drain' });
  const token = user.accessToken;
  const created = await api.http.post(
    '/api/blocks',
    { title: 'read under shutdown', content: 'x', type: 'text', tags: [], metadata: {} },
    { token },
  );
  expect(created.status).toBe(201);
  return {
    path: `/api/blocks/${created.body.id}`,
    headers: { authorization: `Bearer ${token}` },
    audited: true,
    tenantId: user.tenantId,
  };
}

async function countReadAudits(databaseUrl: string, tenantId: string): Promise<number> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE tenant_id = $1 AND action = 'block.read'`,
      [tenantId],
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}
