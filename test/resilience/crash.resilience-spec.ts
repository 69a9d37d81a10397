import { Client } from 'pg';
import { registerUser } from '../support/auth-fixtures';
import { ApiProcess, migrate } from './support/api-process';
import { PostgresCluster } from './support/postgres-cluster';

/**
 * PostgreSQL crashes (`pg_ctl -m immediate stop`) while blocks are being created and comes back:
 * every create the API answered 201 is still there and readable, with its audit entry, and no
 * block exists without its entry (the entry is written in the change's transaction).
 */
describe('PostgreSQL crash during writes', () => {
  let pg: PostgresCluster;
  let databaseUrl: string;
  let api: ApiProcess;

  beforeAll(async () => {
    pg = await PostgresCluster.create();
    databaseUrl = await pg.createDatabase('cb_resilience_crash');
    migrate(databaseUrl);
    api = await ApiProcess.start(databaseUrl, { RATE_LIMIT_PER_MINUTE: '1000000000' });
  });
  afterAll(async () => {
    await api?.stop();
    await pg?.destroy();
  });

  it('keeps every acknowledged create, with its audit entry, across a crash', async () => {
    const user = await registerUser(api.http, { tenantName: 'crash' });
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    let running = true;
    let n = 0;
    const worker = async (): Promise<void> => {
      while (running) {
        const i = n++;
        try {
          const response = await api.http.post(
            '/api/blocks',
            {
              title: `crash ${i}`,
              content: `written before, during or after the crash ${i}`,
              type: 'text',
              tags: ['crash'],
              metadata: { i },
            },
            { token: user.accessToken },
          );
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 201) acknowledged.push(response.body.id);
          else await new Promise((r) => setTimeout(r, 50));
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);

    await new Promise((r) => setTimeout(r, 1500));
    const beforeCrash = acknowledged.length;
    await pg.stop('immediate');
    await new Promise((r) => setTimeout(r, 1500));
    await pg.start();
    await api.waitFor(
      async () => (await api.http.get('/health/ready')).status === 200,
      30_000,
      200,
    );
    const atRecovery = acknowledged.length;
    await api.waitFor(async () => acknowledged.length > atRecovery + 20, 30_000, 200);
    running = false;
    await Promise.all(workers);

    expect(beforeCrash).toBeGreaterThan(10);
    // Refusals while the database was away are 503s, never 500s.
    for (const status of statuses.keys()) expect([201, 503]).toContain(status);

    for (const id of acknowledged) {
      const read = await api.http.get(`/api/blocks/${id}`, { token: user.accessToken });
      expect({ id, status: read.status }).toEqual({ id, status: 200 });
    }
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows: audited } = await client.query<{ resource_id: string }>(
        `SELECT resource_id FROM audit_log WHERE tenant_id = $1 AND action = 'block.create'`,
        [user.tenantId],
      );
      const auditedIds = new Set(audited.map((r) => r.resource_id));
      expect(acknowledged.filter((id) => !auditedIds.has(id))).toEqual([]);
      // Nothing committed without its entry, acknowledged or not.
      const { rows: orphans } = await client.query(
        `SELECT b.id FROM blocks b WHERE b.tenant_id = $1
            AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.tenant_id = b.tenant_id
                              AND a.action = 'block.create' AND a.resource_id = b.id::text)`,
        [user.tenantId],
      );
      expect(orphans).toEqual([]);
      // Entries committed while sealing failed are sealed once the database is back, unasked.
      await api.waitFor(
        async () => {
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND seq IS NULL`,
            [user.tenantId],
          );
          return rows[0].n === 0;
        },
        15_000,
        200,
      );
      const verified = await api.http.get('/api/audit/verify', { token: user.accessToken });
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ valid: true, firstInvalidId: null });
      expect(verified.body.checked).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      await client.end();
    }
  });
});
