import { AuditService } from '@app/audit';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('audit of changes over HTTP (blocks)', () => {
  let t: TestApp;
  let alice: RegisteredUser;

  // Sealed first, so each entry has its place in the chain (seq, hash).
  const entriesFor = async (blockId: string, action?: string) => {
    await t.app.get(AuditService).drain();
    return (
      await t.db.query(
        `SELECT * FROM audit_log WHERE resource_type = 'block' AND resource_id = $1
         ${action ? 'AND action = $2' : ''} ORDER BY seq`,
        action ? [blockId, action] : [blockId],
      )
    ).rows;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    alice = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives 50 concurrent committed creates and updates exactly one entry each, in one chain', async () => {
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.http.post('/api/blocks', { title: `Concurrent ${i}` }, { token: alice.accessToken }),
      ),
    );
    expect(created.every((r) => r.status === 201)).toBe(true);
    const updated = await Promise.all(
      created.map((r) =>
        t.http.patch(
          `/api/blocks/${r.body.id}`,
          { title: `${r.body.title} (edited)` },
          { token: alice.accessToken, headers: { 'if-match': r.headers.get('etag')! } },
        ),
      ),
    );
    expect(updated.every((r) => r.status === 200)).toBe(true);
    await t.app.get(AuditService).drain();

    const { rows } = await t.db.query(
      `SELECT b.id,
              count(*) FILTER (WHERE a.action = 'block.create')::int AS creates,
              count(*) FILTER (WHERE a.action = 'block.update')::int AS updates
       FROM blocks b LEFT JOIN audit_log a
         ON a.tenant_id = b.tenant_id AND a.resource_type = 'block' AND a.resource_id = b.id::text
       WHERE b.tenant_id = $1 GROUP BY b.id`,
      [alice.tenantId],
    );
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.creates === 1 && r.updates === 1)).toBe(true);

    const one = await entriesFor(created[0].body.id, 'block.update');
    expect(one[0]).toMatchObject({
      user_id: alice.user.id,
      method: 'PATCH',
      path: '/api/blocks/:id',
      status_code: 200,
      severity: 'info',
    });
    expect(one[0].changes.before.title).toBe('Concurrent 0');
    expect(one[0].changes.after.title).toBe('Concurrent 0 (edited)');

    const verify = await t.http.get('/api/audit/verify', { token: alice.accessToken });
    expect(verify.body).toMatchObject({ valid: true, firstInvalidId: null });
    expect(verify.body.checked).toBeGreaterThanOrEqual(101);
  });

  it('rolls a change back when its audit entry cannot be written', async () => {
    await t.db.query(`
      CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.changes -> 'after' ->> 'title' = 'Doomed block' THEN
          RAISE EXCEPTION 'audit storage refused the entry';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_doomed BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION refuse_doomed();`);
    try {
      const res = await t.http.post(
        '/api/blocks',
        { title: 'Doomed block' },
        { token: alice.accessToken },
      );
      expect(res.status).toBe(500);
      expect(res.text).not.toContain('audit storage');
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM blocks WHERE title = $1`, [
        'Doomed block',
      ]);
      expect(rows[0].n).toBe(0);
    } finally {
      await t.db.query(`DROP TRIGGER refuse_doomed ON audit_log; DROP FUNCTION refuse_doomed();`);
    }
  });

  it('keeps secrets in block metadata out of the entry', async () => {
    const block = await createBlock(t.http, alice.accessToken, {
      title: 'Integration',
      metadata: { apiToken: 'tok-live-123456', password: 'p4ssw0rd-123456', colour: 'blue' },
    });
    const [entry] = await entriesFor(block.id, 'block.create');
    expect(entry.changes.after.metadata).toEqual({
      apiToken: '[redacted]',
      password: '[redacted]',
      colour: 'blue',
    });
    expect(JSON.stringify(entry)).not.toMatch(/tok-live|p4ssw0rd/);
  });

  it('records reads of a block with its id, and deletes as changes', async () => {
    const block = await createBlock(t.http, alice.accessToken, { title: 'Read and delete' });
    await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken });
    const del = await t.http.delete(`/api/blocks/${block.id}`, {
      token: alice.accessToken,
      headers: { 'if-match': '"v1"' },
    });
    expect(del.status).toBe(204);
    await t.app.get(AuditService).drain();
    // Queued reads take their chain position when their batch is written: order by time.
    const entries = (await entriesFor(block.id)).sort((a, b) => a.timestamp - b.timestamp);
    const actions = entries.map((e) => [e.action, e.status_code]);
    expect(actions).toEqual([
      ['block.create', 201],
      ['block.read', 200],
      ['block.delete', 204],
    ]);
  });
});
