import { randomUUID } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  type AuditActionName,
  AuditMetrics,
  AuditQueryService,
  AuditRetentionService,
  AuditService,
} from '@app/audit';
import { type Principal, RequestContext, type RequestStore } from '@app/common';
import { insertUnsealed, sealChains } from '../../libs/audit/src/audit-writer';
import { digestPersonalChanges } from '../../libs/audit/src/chain/personal-changes';
import { createTestDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';

function principal(tenantId: string, role: Principal['role'] = 'admin'): Principal {
  return { userId: randomUUID(), tenantId, username: 'alice', role, method: 'jwt' };
}

function store(p?: Principal, method = 'PATCH'): RequestStore {
  return {
    requestId: `req-${randomUUID()}`,
    ip: '203.0.113.7',
    userAgent: 'jest',
    method,
    route: '/api/things/:id',
    startedAt: process.hrtime.bigint(),
    principal: p,
  };
}

describe('audit trail: transactional record, batched queue, hash chain, retention', () => {
  let t: TestApp;
  let audit: AuditService;
  let query: AuditQueryService;
  let ds: DataSource;

  /** A change of a scratch row and its audit entry, in one transaction, as services do it. */
  function change(
    p: Principal,
    note: string,
    action: AuditActionName = 'block.update',
  ): Promise<number> {
    return RequestContext.run(store(p), () =>
      ds.transaction(async (tx) => {
        const [row] = await tx.query<Array<{ id: number }>>(
          `INSERT INTO scratch (note) VALUES ($1) RETURNING id`,
          [note],
        );
        await audit.record(tx, {
          action,
          resourceType: 'thing',
          resourceId: String(row.id),
          changes: { before: null, after: { note, password: 'hunter2-hunter2' } },
        });
        return row.id;
      }),
    );
  }

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await t.db.query(sql, params)).rows[0].count);

  beforeAll(async () => {
    t = await startTestApp();
    audit = t.app.get(AuditService);
    query = t.app.get(AuditQueryService);
    ds = t.app.get<DataSource>(getDataSourceToken());
    await t.db.query(`CREATE TABLE scratch (id serial PRIMARY KEY, note text NOT NULL)`);
  });
  afterAll(async () => {
    await t.close();
  });

  it('records a change in the caller transaction with request data and secrets removed', async () => {
    const tenant = randomUUID();
    const p = principal(tenant);
    const id = await change(p, 'first');
    await audit.drain();
    const { rows } = await t.db.query(`SELECT * FROM audit_log WHERE tenant_id = $1`, [tenant]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      seq: '1',
      user_id: p.userId,
      username: 'alice',
      action: 'block.update',
      resource_type: 'thing',
      resource_id: String(id),
      method: 'PATCH',
      path: '/api/things/:id',
      status_code: 200,
      ip: '203.0.113.7',
      user_agent: 'jest',
      severity: 'info',
      changes: { before: null, after: { note: 'first', password: '[redacted]' } },
      prev_hash: '0'.repeat(64),
    });
    expect(rows[0].request_id).toMatch(/^req-/);
    expect(rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows[0])).not.toContain('hunter2');
    await expect(query.verify(tenant)).resolves.toEqual({
      valid: true,
      checked: 1,
      firstInvalidId: null,
    });
  });

  it('gives each of 50 concurrent committed changes exactly one entry in one unforked chain', async () => {
    const tenant = randomUUID();
    const p = principal(tenant);
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => change(p, `c${i}`)));
    expect(new Set(ids).size).toBe(50);
    await audit.drain();
    const { rows } = await t.db.query(
      `SELECT s.id, count(a.id)::int AS entries FROM scratch s
       LEFT JOIN audit_log a ON a.tenant_id = $1 AND a.resource_id = s.id::text
       WHERE s.id = ANY($2::int[]) GROUP BY s.id`,
      [tenant, ids],
    );
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.entries === 1)).toBe(true);
    const seqs = await t.db.query(
      `SELECT array_agg(seq ORDER BY seq)::text[] AS seqs FROM audit_log WHERE tenant_id = $1`,
      [tenant],
    );
    expect(seqs.rows[0].seqs).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    await expect(query.verify(tenant)).resolves.toMatchObject({ valid: true, checked: 50 });
  });

  it('writes a change entry unsealed in the transaction and seals it right after commit', async () => {
    const tenant = randomUUID();
    const p = principal(tenant);
    let inside: { seq: string | null; hash: string | null } | undefined;
    await RequestContext.run(store(p), () =>
      ds.transaction(async (tx) => {
        await audit.record(tx, { action: 'block.update', resourceType: 'thing', resourceId: 'x' });
        [inside] = await tx.query<Array<{ seq: string | null; hash: string | null }>>(
          `SELECT seq, hash FROM audit_log WHERE tenant_id = $1`,
          [tenant],
        );
      }),
    );
    expect(inside).toEqual({ seq: null, hash: null });
    // No drain: the commit itself announces the entry to the sealer.
    const deadline = Date.now() + 5_000;
    let sealed = 0;
    while (sealed === 0 && Date.now() < deadline) {
      sealed = await count(
        `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND seq = 1 AND hash IS NOT NULL`,
        [tenant],
      );
      if (sealed === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(sealed).toBe(1);
  });

  it('seals entries nobody announced (a crash between commit and sealing) on its sweep', async () => {
    const tenant = randomUUID();
    const p = principal(tenant);
    // Written outside the service, as a process that died right after its commit leaves them.
    const orphan = {
      id: uuidv7(),
      tenantId: tenant,
      timestamp: new Date(),
      userId: p.userId,
      username: 'alice',
      apiKeyId: null,
      action: 'block.update',
      resourceType: 'thing',
      resourceId: 'orphan',
      method: 'PATCH',
      path: '/api/things/:id',
      statusCode: 200,
      durationMs: 1,
      ip: '203.0.113.7',
      userAgent: 'jest',
      requestId: null,
      severity: 'info' as const,
      changes: { before: null, after: { note: 'orphan' } },
      error: null,
    };
    await insertUnsealed(ds.manager, [orphan]);
    audit.configureQueue({ sweepIntervalMs: 50 });
    try {
      const deadline = Date.now() + 5_000;
      let sealed = 0;
      while (sealed === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        sealed = await count(`SELECT count(*) FROM audit_log WHERE id = $1 AND seq IS NOT NULL`, [
          orphan.id,
        ]);
      }
      expect(sealed).toBe(1);
    } finally {
      audit.configureQueue({ sweepIntervalMs: 2_000 });
    }
    await expect(query.verify(tenant)).resolves.toEqual({
      valid: true,
      checked: 1,
      firstInvalidId: null,
    });
  });

  it('lets sealing set only the chain columns of an unsealed entry, once', async () => {
    const tenant = randomUUID();
    await change(principal(tenant), 'sealed-once');
    await audit.drain();
    const { rows } = await t.db.query(`SELECT id FROM audit_log WHERE tenant_id = $1`, [tenant]);
    const id = rows[0].id as string;
    const tryUpdate = (set: string) =>
      t.db.query(
        `BEGIN; SELECT set_config('audit.seal', 'on', true); UPDATE audit_log SET ${set} WHERE id = '${id}'; COMMIT`,
      );
    await expect(tryUpdate(`seq = 7, prev_hash = 'x', hash = 'y'`)).rejects.toThrow(/append-only/);
    await t.db.query('ROLLBACK');
    await expect(tryUpdate(`action = 'forged'`)).rejects.toThrow(/append-only/);
    await t.db.query('ROLLBACK');
    // An unsealed entry may not have its content changed on the way into the chain either.
    await t.db.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await t.db.query(
      `UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = $1`,
      [id],
    );
    await t.db.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    await expect(
      tryUpdate(`seq = 1, prev_hash = 'x', hash = 'y', action = 'forged'`),
    ).rejects.toThrow(/append-only/);
    await t.db.query('ROLLBACK');
    await audit.sealNow(tenant);
    await expect(query.verify(tenant)).resolves.toMatchObject({ valid: true, checked: 1 });
  });

  it('rolls the change back when its audit entry cannot be written', async () => {
    await t.db.query(`
      CREATE FUNCTION explode() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'block.restore' THEN RAISE EXCEPTION 'audit insert failed'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER explode BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION explode();`);
    try {
      const tenant = randomUUID();
      await expect(change(principal(tenant), 'doomed', 'block.restore')).rejects.toThrow(
        /audit insert failed/,
      );
      expect(await count(`SELECT count(*) FROM scratch WHERE note = 'doomed'`)).toBe(0);
      expect(await count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`, [tenant])).toBe(0);
    } finally {
      await t.db.query(`DROP TRIGGER explode ON audit_log; DROP FUNCTION explode();`);
    }
  });

  it('writes queued entries in batches, interleaved with changes, without forking any chain', async () => {
    const tenants = [randomUUID(), randomUUID(), randomUUID()];
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 1200; i++) {
      const tenant = tenants[i % 3];
      RequestContext.run(store(principal(tenant), 'GET'), () =>
        audit.enqueue({ action: 'block.read', resourceType: 'thing', resourceId: String(i) }),
      );
      if (i % 100 === 0) writes.push(change(principal(tenant), `mixed${i}`));
    }
    await Promise.all(writes);
    await audit.drain();
    for (const tenant of tenants) {
      expect(await count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`, [tenant])).toBe(
        400 + 4,
      );
      await expect(query.verify(tenant)).resolves.toMatchObject({ valid: true, checked: 404 });
    }
  });

  it('records security events without a tenant in the system chain', async () => {
    audit.enqueue({ action: 'auth.login_failed', severity: 'warning', statusCode: 401 });
    await audit.drain();
    const { rows } = await t.db.query(
      `SELECT tenant_id, severity, status_code FROM audit_log WHERE action = 'auth.login_failed'`,
    );
    expect(rows).toEqual([
      {
        tenant_id: '00000000-0000-0000-0000-000000000000',
        severity: 'warning',
        status_code: 401,
      },
    ]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit entries for everyone', async () => {
    await expect(t.db.query(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    await expect(
      t.db.query(`BEGIN; SET LOCAL audit.purge = 'off'; DELETE FROM audit_log; COMMIT;`),
    ).rejects.toThrow(/append-only/);
    await t.db.query('ROLLBACK').catch(() => undefined);
  });

  it('names the first entry edited behind the API back, with triggers bypassed', async () => {
    const tenant = randomUUID();
    const p = principal(tenant);
    for (let i = 0; i < 5; i++) await change(p, `t${i}`);
    await audit.drain();
    const target = (
      await t.db.query(`SELECT id FROM audit_log WHERE tenant_id = $1 AND seq = 3`, [tenant])
    ).rows[0].id;
    const client = await t.db.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await client.query(`UPDATE audit_log SET username = 'mallory' WHERE id = $1`, [target]);
      await client.query(`SET session_replication_role = origin`);
    } finally {
      client.release();
    }
    await expect(query.verify(tenant)).resolves.toEqual({
      valid: false,
      checked: 3,
      firstInvalidId: target,
    });
  });

  it('pseudonymises a user: personal data erased, entries kept, chain still valid', async () => {
    const tenant = randomUUID();
    const gone = principal(tenant);
    const stays = principal(tenant);
    for (let i = 0; i < 3; i++) await change(gone, `p${i}`);
    await change(stays, 'other user');
    // Sealed first: seq is given at sealing, and the order below is by seq.
    await audit.drain();
    await RequestContext.run(store(stays), () =>
      ds.transaction(async (tx) => {
        await expect(audit.pseudonymise(tx, gone.userId)).resolves.toBe(3);
      }),
    );
    const { rows } = await t.db.query(
      `SELECT user_id, username, ip, user_agent, pseudonymised FROM audit_log
       WHERE tenant_id = $1 ORDER BY seq`,
      [tenant],
    );
    expect(
      rows.slice(0, 3).every((r) => r.username === null && r.ip === null && r.pseudonymised),
    ).toBe(true);
    expect(rows[0].user_id).toBe(gone.userId);
    expect(rows[3]).toMatchObject({ username: 'alice', ip: '203.0.113.7', pseudonymised: false });
    await expect(query.verify(tenant)).resolves.toMatchObject({ valid: true, checked: 4 });

    // The pseudonymisation path cannot be used to change anything else.
    await expect(
      t.db.query(
        `BEGIN; SET LOCAL audit.pseudonymise = 'on';
         UPDATE audit_log SET action = 'x', username = NULL, ip = NULL, user_agent = NULL,
           pseudonymised = true WHERE tenant_id = '${tenant}'; COMMIT;`,
      ),
    ).rejects.toThrow(/append-only/);
    await t.db.query('ROLLBACK').catch(() => undefined);
  });

  it('erases the personal values of entries about a user made by others; the chain still verifies', async () => {
    const tenant = randomUUID();
    const admin = principal(tenant);
    const subject = randomUUID();
    const about = (before: unknown, after: unknown) =>
      RequestContext.run(store(admin), () =>
        ds.transaction((tx) =>
          audit.record(tx, {
            action: 'user.update',
            resourceType: 'user',
            resourceId: subject,
            changes: { before, after },
          }),
        ),
      );
    const person = {
      email: 'zoë+1@example.com',
      username: 'zoë_1',
      displayName: "O'Brien \u2028 ü",
    };
    await about(null, { ...person, role: 'user' });
    await about({ ...person, role: 'user' }, { ...person, displayName: null, role: 'admin' });
    await change(admin, 'unrelated');
    await audit.drain();
    const before = await t.db.query(
      `SELECT id, changes FROM audit_log WHERE tenant_id = $1 AND resource_id = $2 ORDER BY seq`,
      [tenant, subject],
    );
    await RequestContext.run(store(admin), () =>
      ds.transaction(async (tx) => {
        // The admin's own entries are not theirs to lose: only the two entries about the subject.
        await expect(audit.pseudonymise(tx, subject)).resolves.toBe(2);
      }),
    );
    const { rows } = await t.db.query(
      `SELECT id, username, changes FROM audit_log WHERE tenant_id = $1 ORDER BY seq`,
      [tenant],
    );
    const text = JSON.stringify(rows);
    for (const value of Object.values(person)) expect(text).not.toContain(value);
    // The database's scrub gives exactly the bytes the app hashes.
    for (const [i, row] of before.rows.entries())
      expect(rows[i].changes).toEqual(digestPersonalChanges(row.id, row.changes));
    expect(rows[1].changes.after).toMatchObject({ role: 'admin', displayName: null });
    expect(rows.every((r) => r.username === 'alice')).toBe(true);
    await expect(query.verify(tenant)).resolves.toMatchObject({ valid: true, checked: 3 });

    // The erasure path cannot be used to rewrite anything else in changes.
    await expect(
      t.db.query(
        `BEGIN; SET LOCAL audit.pseudonymise = 'on';
         UPDATE audit_log SET changes = jsonb_set(changes, '{after,role}', '"guest"')
           WHERE tenant_id = '${tenant}' AND resource_id = '${subject}'; COMMIT;`,
      ),
    ).rejects.toThrow(/append-only/);
    await t.db.query('ROLLBACK').catch(() => undefined);
  });

  it('names the entry after one deleted behind the API back', async () => {
    const tenant = randomUUID();
    const p = principal(tenant);
    for (let i = 0; i < 4; i++) await change(p, `d${i}`);
    await audit.drain();
    const ids = (
      await t.db.query(`SELECT id FROM audit_log WHERE tenant_id = $1 ORDER BY seq`, [tenant])
    ).rows.map((r) => r.id);
    const client = await t.db.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await client.query(`DELETE FROM audit_log WHERE id = $1`, [ids[1]]);
      await client.query(`SET session_replication_role = origin`);
    } finally {
      client.release();
    }
    await expect(query.verify(tenant)).resolves.toMatchObject({
      valid: false,
      firstInvalidId: ids[2],
    });
  });

  it('removes old entries only through retention, which keeps the rest of the chain verifiable', async () => {
    const tenant = randomUUID();
    const day = 86_400_000;
    const old = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: uuidv7(),
        tenantId: tenant,
        timestamp: new Date(Date.now() - (200 - i) * day),
        userId: null,
        username: null,
        apiKeyId: null,
        action: 'block.read',
        resourceType: 'thing',
        resourceId: String(i),
        method: 'GET',
        path: '/api/things/:id',
        statusCode: 200,
        durationMs: 1.5,
        ip: '127.0.0.1',
        userAgent: null,
        requestId: null,
        severity: 'info' as const,
        changes: null,
        error: null,
      }));
    await ds.transaction((tx) => sealChains(tx, [], old(10)));
    const p = principal(tenant);
    for (let i = 0; i < 3; i++) await change(p, `young${i}`);

    const admin = { ...store(p, 'DELETE'), route: '/api/audit/logs/cleanup' };
    await expect(RequestContext.run(admin, () => query.cleanup(30))).rejects.toMatchObject({
      status: 400,
    });
    const result = await RequestContext.run(admin, () => query.cleanup(90));
    expect(result).toEqual({ deleted: 10 });
    expect(await count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`, [tenant])).toBe(4);
    const anchor = await t.db.query(`SELECT seq, removed FROM audit_anchors WHERE tenant_id = $1`, [
      tenant,
    ]);
    expect(anchor.rows).toEqual([{ seq: '10', removed: '10' }]);
    await expect(query.verify(tenant)).resolves.toMatchObject({ valid: true, checked: 4 });

    // The chain goes on from the remaining head, and a second purge has nothing to do.
    await change(p, 'after-purge');
    await expect(query.verify(tenant)).resolves.toMatchObject({ valid: true, checked: 5 });
    await expect(t.app.get(AuditRetentionService).run(90)).resolves.toBe(0);
  });

  it('purges a whole chain to its anchor and continues it from there', async () => {
    const tenant = randomUUID();
    const entry = (i: number) => ({
      id: uuidv7(),
      tenantId: tenant,
      timestamp: new Date(Date.now() - (100 - i) * 86_400_000),
      userId: null,
      username: null,
      apiKeyId: null,
      action: 'block.read',
      resourceType: null,
      resourceId: null,
      method: null,
      path: null,
      statusCode: null,
      durationMs: null,
      ip: null,
      userAgent: null,
      requestId: null,
      severity: 'info' as const,
      changes: null,
      error: null,
    });
    await ds.transaction((tx) => sealChains(tx, [], [entry(0), entry(1), entry(2)]));
    await expect(t.app.get(AuditRetentionService).run(90)).resolves.toBeGreaterThanOrEqual(3);
    expect(await count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`, [tenant])).toBe(0);
    await change(principal(tenant), 'reborn');
    await audit.drain();
    const { rows } = await t.db.query(`SELECT seq FROM audit_log WHERE tenant_id = $1`, [tenant]);
    expect(rows).toEqual([{ seq: '4' }]);
    await expect(query.verify(tenant)).resolves.toMatchObject({ valid: true, checked: 1 });
  });

  it('holds requests back when the queue is full and reports it in a metric and a log line', async () => {
    audit.configureQueue({ capacity: 5 });
    try {
      const tenant = randomUUID();
      for (let i = 0; i < 8; i++) {
        RequestContext.run(store(principal(tenant), 'GET'), () =>
          audit.enqueue({ action: 'block.read' }),
        );
      }
      const metrics = t.app.get(AuditMetrics);
      expect((await metrics.auditQueueFull.get()).values[0].value).toBeGreaterThan(0);
      expect(t.logs.some((l) => String(l.msg).includes('audit queue is full'))).toBe(true);
      await audit.whenWritable();
      expect(audit.isFull).toBe(false);
      await audit.drain();
      expect(await count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`, [tenant])).toBe(8);
    } finally {
      audit.configureQueue({ capacity: 10_000 });
    }
  });
  it('holds requests back at most maxWaitMs while the database stalls, and logs overflow', async () => {
    audit.configureQueue({ capacity: 3, hardLimit: 5, maxWaitMs: 100 });
    const client = await t.db.connect();
    try {
      await client.query(`BEGIN; LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE`);
      const tenant = randomUUID();
      for (let i = 0; i < 7; i++) {
        RequestContext.run(store(principal(tenant), 'GET'), () =>
          audit.enqueue({ action: 'block.read', resourceId: String(i) }),
        );
      }
      const started = Date.now();
      await audit.whenWritable();
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(Date.now() - started).toBeLessThan(2_000);
      const metrics = t.app.get(AuditMetrics);
      expect((await metrics.auditQueueOverflow.get()).values[0].value).toBe(2);
      const spilled = t.logs.filter((l) => String(l.msg).includes('hard limit'));
      expect(spilled).toHaveLength(2);
      expect(spilled[0].auditEntry).toMatchObject({ tenantId: tenant, action: 'block.read' });
      await client.query('COMMIT');
      await audit.drain();
      expect(await count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`, [tenant])).toBe(5);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      audit.configureQueue({ capacity: 10_000, hardLimit: 100_000, maxWaitMs: 2_000 });
    }
  });
});

describe('audit queue on shutdown', () => {
  it('writes every queued entry before the app closes', async () => {
    const database = await createTestDatabase();
    const t = await startTestApp({ databaseUrl: database.url });
    try {
      const audit = t.app.get(AuditService);
      audit.configureQueue({ flushIntervalMs: 60_000 });
      const tenant = randomUUID();
      for (let i = 0; i < 300; i++) {
        RequestContext.run(store(principal(tenant), 'GET'), () =>
          audit.enqueue({ action: 'block.read' }),
        );
      }
      expect(audit.depth).toBe(300);
      // Let start-up work settle (the session listener's LISTEN must not be cut off mid-query).
      await new Promise((r) => setTimeout(r, 300));
      await t.app.close();
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1`,
        [tenant],
      );
      expect(rows[0].n).toBe(300);
    } finally {
      await t.db.end();
      await database.drop();
    }
  });
});
