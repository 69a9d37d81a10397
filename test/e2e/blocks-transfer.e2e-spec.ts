import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const NDJSON = { 'content-type': 'application/x-ndjson' };

describe('blocks: bulk, export, import', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...BLOCKS_TEST_ENV, BLOCKS_IMPORT_MAX_BYTES: '65536' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const snapshot = async (tenantId: string) =>
    (
      await t.db.query(
        `SELECT id, title, version, deleted_at FROM blocks WHERE tenant_id = $1 ORDER BY id`,
        [tenantId],
      )
    ).rows;

  describe('bulk', () => {
    let user: RegisteredUser;

    beforeAll(async () => {
      user = await registerUser(t.http);
    });

    const bulk = (operations: unknown) =>
      t.http.post('/api/blocks/bulk', { operations }, { token: user.accessToken });

    it('applies creates, updates and deletes in order and reports each', async () => {
      const a = await createBlock(t.http, user.accessToken, { title: 'A' });
      const b = await createBlock(t.http, user.accessToken, { title: 'B' });
      const res = await bulk([
        { op: 'create', data: { title: 'C', tags: ['bulk'] } },
        { op: 'create', data: { title: 'D' } },
        { op: 'update', id: a.id, data: { title: 'A2' } },
        { op: 'delete', id: b.id },
        { op: 'update', id: a.id, data: { content: 'changed twice in one request' } },
      ]);
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: any) => [r.index, r.op])).toEqual([
        [0, 'create'],
        [1, 'create'],
        [2, 'update'],
        [3, 'delete'],
        [4, 'update'],
      ]);
      expect(res.body.results[0].block).toMatchObject({ title: 'C', tags: ['bulk'], version: 1 });
      expect(res.body.results[1].block).toMatchObject({ id: res.body.results[1].id, title: 'D' });
      expect(res.body.results[2].block).toMatchObject({ id: a.id, title: 'A2', version: 2 });
      expect(res.body.results[3]).toEqual({ index: 3, op: 'delete', id: b.id });
      expect(res.body.results[4].block).toMatchObject({ id: a.id, version: 3 });
      expect((await t.http.get(`/api/blocks/${b.id}`, { token: user.accessToken })).status).toBe(
        404,
      );
    });

    it('is all or nothing: a failing operation rolls everything back and is named by index', async () => {
      const a = await createBlock(t.http, user.accessToken, { title: 'Keep me' });
      const before = await snapshot(user.tenantId);
      const res = await bulk([
        { op: 'create', data: { title: 'never stored' } },
        { op: 'update', id: a.id, data: { title: 'never renamed' } },
        { op: 'delete', id: a.id },
        { op: 'update', id: randomUUID(), data: { title: 'missing' } },
      ]);
      expect(res.status).toBe(404);
      expect(res.body.detail).toMatch(/^operations\[3\] \(update\): /);
      expect(await snapshot(user.tenantId)).toEqual(before);

      // the server makes every new id: a chosen one is refused before anything runs
      const dup = await bulk([{ op: 'create', id: a.id, data: { title: 'same id' } }]);
      expect(dup.status).toBe(400);
      expect(dup.body.errors).toEqual([expect.objectContaining({ field: 'operations.0.id' })]);
      expect(await snapshot(user.tenantId)).toEqual(before);
    });

    it('validates every operation first and names the field of the failing one', async () => {
      const a = await createBlock(t.http, user.accessToken, { title: 'Valid' });
      const before = await snapshot(user.tenantId);
      const cases: Array<[unknown, string]> = [
        [
          [
            { op: 'create', data: { title: 'ok' } },
            { op: 'create', data: { title: '' } },
          ],
          'operations.1.data.title',
        ],
        [[{ op: 'create', data: { title: 'ok', owner: 'x' } }], 'operations.0.data.owner'],
        [[{ op: 'update', data: { title: 'x' } }], 'operations.0.id'],
        [[{ op: 'update', id: a.id }], 'operations.0.data'],
        [[{ op: 'delete', id: a.id, data: { title: 'x' } }], 'operations.0.data'],
        [[{ op: 'delete' }], 'operations.0.id'],
        [[{ op: 'upsert', id: a.id }], 'operations.0.op'],
        [[{ op: 'delete', id: 'nope' }], 'operations.0.id'],
        [[{ op: 'create', data: 'x' }], 'operations.0.data'],
        [[{ op: 'create', data: { title: 'x' }, extra: true }], 'operations.0.extra'],
        [
          [
            {
              op: 'update',
              id: a.id,
              data: { tags: Array.from({ length: 33 }, (_, i) => `${i}`) },
            },
          ],
          'operations.0.data.tags',
        ],
      ];
      for (const [operations, field] of cases) {
        const res = await bulk(operations);
        expect([field, res.status]).toEqual([field, 400]);
        expect(res.body.errors.map((e: any) => e.field)).toContain(field);
      }
      expect(await snapshot(user.tenantId)).toEqual(before);
    });

    it('takes 1 to 500 operations', async () => {
      expect((await bulk([])).status).toBe(400);
      expect((await bulk('x')).status).toBe(400);
      expect((await t.http.post('/api/blocks/bulk', {}, { token: user.accessToken })).status).toBe(
        400,
      );
      const tooMany = Array.from({ length: 501 }, (_, i) => ({
        op: 'create',
        data: { title: `t${i}` },
      }));
      expect((await bulk(tooMany)).status).toBe(400);
      const max = await bulk(tooMany.slice(0, 500));
      expect(max.status).toBe(200);
      expect(max.body.results).toHaveLength(500);
    });
  });

  describe('export', () => {
    let user: RegisteredUser;

    beforeAll(async () => {
      user = await registerUser(t.http);
    });

    it('streams every live block of the tenant as NDJSON, once each', async () => {
      const made = [];
      for (let i = 0; i < 5; i++) {
        made.push(
          await createBlock(t.http, user.accessToken, {
            title: `Export ${i}`,
            content: `line\n"quoted" ${i}`,
            tags: ['x'],
            metadata: { i },
          }),
        );
      }
      await t.http.delete(`/api/blocks/${made[4].id}`, { token: user.accessToken });
      const other = await registerUser(t.http);
      const foreign = await createBlock(t.http, other.accessToken, { title: 'Foreign' });

      const res = await t.http.get('/api/blocks/export', { token: user.accessToken });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = res.text.split('\n');
      expect(lines.pop()).toBe('');
      const blocks = lines.map((l) => JSON.parse(l));
      expect(blocks.map((b) => b.id)).toEqual(
        made
          .slice(0, 4)
          .map((b) => b.id)
          .sort(),
      );
      expect(blocks[0]).toEqual(made[0]);
      expect(res.text).not.toContain(foreign.id);
      expect(res.text).not.toContain(made[4].id);
    });

    it('answers an empty tenant with an empty body', async () => {
      const empty = await registerUser(t.http);
      const res = await t.http.get('/api/blocks/export', { token: empty.accessToken });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
    });

    it('gives the database connection back when the client goes away mid-stream', async () => {
      const big = await registerUser(t.http);
      // Setup through SQL: 3000 blocks of ~2 KB, far more than one socket buffer.
      await t.db.query(
        `INSERT INTO blocks (id, tenant_id, title, content)
         SELECT gen_random_uuid(), $1, 'bulk ' || g, repeat('x', 2000) FROM generate_series(1, 3000) g`,
        [big.tenantId],
      );
      const url = new URL('/api/blocks/export', t.baseUrl);
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          url,
          { headers: { authorization: `Bearer ${big.accessToken}` } },
          (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
            res.once('error', () => resolve());
          },
        );
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => reject(new Error('no data')), 10_000);
      });
      // The cursor's transaction ends: no connection of the app stays in a transaction.
      let busy = 1;
      for (let i = 0; i < 50 && busy > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const rows = await t.db.query(
          `SELECT count(*) FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'content-blocks'
             AND state IN ('idle in transaction', 'active') AND query ILIKE '%FROM blocks%'`,
        );
        busy = Number(rows.rows[0].count);
      }
      expect(busy).toBe(0);
      // And the app still serves a full export afterwards.
      const res = await t.http.get('/api/blocks/export', { token: big.accessToken });
      expect(res.text.split('\n').filter(Boolean)).toHaveLength(3000);
    });

    it("runs at most 2 exports of a tenant at once: the next waits, then gets a 429 with Retry-After, while another tenant's export runs", async () => {
      const big = await registerUser(t.http);
      const other = await registerUser(t.http);
      await createBlock(t.http, other.accessToken, { title: 'other tenant' });
      await t.db.query(
        `INSERT INTO blocks (id, tenant_id, title, content)
         SELECT gen_random_uuid(), $1, 'bulk ' || g, repeat('y', 2000) FROM generate_series(1, 3000) g`,
        [big.tenantId],
      );
      const url = new URL('/api/blocks/export', t.baseUrl);
      // Two readers that take the first chunk and then stop reading: their exports stay open.
      const stalled = await Promise.all(
        Array.from(
          { length: 2 },
          () =>
            new Promise<ReturnType<typeof httpRequest>>((resolve, reject) => {
              const req = httpRequest(
                url,
                { headers: { authorization: `Bearer ${big.accessToken}` } },
                (res) => {
                  res.once('data', () => {
                    res.pause();
                    resolve(req);
                  });
                },
              );
              req.on('error', () => undefined);
              req.end();
              setTimeout(() => reject(new Error('no data')), 10_000);
            }),
        ),
      );
      try {
        const busy = await t.http.get('/api/blocks/export', { token: big.accessToken });
        expect(busy.status).toBe(429);
        expect(busy.headers.get('retry-after')).toBe('2');
        expect(busy.body).toMatchObject({ code: 'RATE_LIMITED', reason: 'TENANT_BUSY' });
        // Another tenant is not held back by the first one's exports.
        const elsewhere = await t.http.get('/api/blocks/export', { token: other.accessToken });
        expect(elsewhere.status).toBe(200);
        expect(elsewhere.text.split('\n').filter(Boolean)).toHaveLength(1);
      } finally {
        for (const req of stalled) req.destroy();
      }
      // Once a stalled export is gone its slot frees; a new export waits for it and runs.
      const res = await t.http.get('/api/blocks/export', { token: big.accessToken });
      expect(res.status).toBe(200);
      expect(res.text.split('\n').filter(Boolean)).toHaveLength(3000);
    });
  });

  describe('import', () => {
    let user: RegisteredUser;

    beforeAll(async () => {
      user = await registerUser(t.http);
    });

    const importBody = (body: string | Buffer, token = user.accessToken, headers = NDJSON) =>
      t.http.post('/api/blocks/import', undefined, { token, rawBody: body, headers });

    it('creates, updates by id and reports bad lines without spoiling the others', async () => {
      const existing = await createBlock(t.http, user.accessToken, {
        title: 'Existing',
        content: 'old',
      });
      const deleted = await createBlock(t.http, user.accessToken, { title: 'Deleted' });
      await t.http.delete(`/api/blocks/${deleted.id}`, { token: user.accessToken });
      const newId = randomUUID();
      const lines = [
        JSON.stringify({ title: 'Brand new', content: 'hello', tags: ['imported'] }),
        'not json at all',
        JSON.stringify({ id: existing.id, title: 'Existing', content: 'new' }),
        '',
        JSON.stringify([1, 2]),
        JSON.stringify({ title: '' }),
        JSON.stringify({ id: newId, title: 'With my id', type: 'markdown' }),
        JSON.stringify({ title: 'x', owner: 'me' }),
        JSON.stringify({ id: 'nope', title: 'x' }),
        JSON.stringify({ id: deleted.id, title: 'Deleted, back' }),
        JSON.stringify({ title: 'x', content: 'a\u0000b' }),
        JSON.stringify({ title: 'x', tags: 'solo' }),
        '{"title": "truncated',
        `{"title":"deep","metadata":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
        // found by the fuzz: a `constructor` key crashed class-transformer (a 500 for the batch)
        '{"title":"proto","content":{"constructor":{"prototype":{"polluted":true}}}}',
        JSON.stringify({ title: 'Last line, no newline' }),
      ];
      const res = await importBody(lines.join('\n'));
      expect(res.status).toBe(200);
      expect(res.body.created).toBe(3);
      expect(res.body.updated).toBe(2);
      expect(res.body.failed.map((f: any) => f.line)).toEqual([2, 5, 6, 8, 9, 11, 12, 13, 14, 15]);
      expect(res.body.failedCount).toBe(10);
      expect(res.body.failed[8].error).toContain('nested');
      expect(res.body.failed[9].error).toBe('the key "constructor" is not allowed');
      for (const f of res.body.failed) expect(typeof f.error).toBe('string');
      expect(res.body.failed[0].error).toBe('line is not valid JSON');
      expect(res.body.failed[2].error).toMatch(/^title /);

      const updated = await t.http.get(`/api/blocks/${existing.id}`, { token: user.accessToken });
      expect(updated.body).toMatchObject({ content: 'new', version: 2 });
      // an id the tenant does not hold is not taken over: the block gets a server-made id
      expect((await t.http.get(`/api/blocks/${newId}`, { token: user.accessToken })).status).toBe(
        404,
      );
      const created = await t.db.query(
        `SELECT id, type FROM blocks WHERE tenant_id = $1 AND title = 'With my id'`,
        [user.tenantId],
      );
      expect(created.rows).toEqual([{ id: expect.any(String), type: 'markdown' }]);
      expect(created.rows[0].id).not.toBe(newId);
      const back = await t.http.get(`/api/blocks/${deleted.id}`, { token: user.accessToken });
      expect(back.body.title).toBe('Deleted, back');
    });

    it('round-trips an export unchanged', async () => {
      const source = await registerUser(t.http);
      for (let i = 0; i < 3; i++) {
        await createBlock(t.http, source.accessToken, {
          title: `Trip ${i}`,
          content: `c${i}`,
          tags: ['t'],
          metadata: { i },
        });
      }
      const exported = await t.http.get('/api/blocks/export', { token: source.accessToken });
      const again = await importBody(exported.text, source.accessToken);
      expect(again.body).toMatchObject({ created: 0, updated: 3, failed: [] });
      const after = await t.http.get('/api/blocks/export', { token: source.accessToken });
      expect(after.text).toBe(exported.text); // unchanged content makes no new version

      const target = await registerUser(t.http);
      const fresh = exported.text
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const { id: _id, ...rest } = JSON.parse(l);
          return JSON.stringify(rest);
        });
      const copied = await importBody(fresh.join('\n') + '\n', target.accessToken);
      expect(copied.body).toMatchObject({ created: 3, updated: 0, failed: [] });
    });

    it('refuses a body that is not NDJSON with a 415 and an oversized one with a 413', async () => {
      const json = await t.http.post(
        '/api/blocks/import',
        { title: 'x' },
        { token: user.accessToken },
      );
      expect(json.status).toBe(415);
      const plain = await importBody('{"title":"x"}', user.accessToken, {
        'content-type': 'text/plain',
      });
      expect(plain.status).toBe(415);
      const before = await snapshot(user.tenantId);
      const big = `${JSON.stringify({ title: 'x', content: 'a'.repeat(70_000) })}\n`;
      const tooLarge = await importBody(big);
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await snapshot(user.tenantId)).toEqual(before);
    });

    it('reads a chunked body up to the limit and reports the rest as not read', async () => {
      const line = `${JSON.stringify({ title: 'chunk', content: 'z'.repeat(1000) })}\n`;
      const lines = Array.from({ length: 100 }, () => line).join(''); // ~103 KB > 64 KiB
      const res = await fetch(`${t.baseUrl}/api/blocks/import`, {
        method: 'POST',
        headers: { ...NDJSON, authorization: `Bearer ${user.accessToken}` },
        body: new ReadableStream({
          start(controller) {
            const bytes = new TextEncoder().encode(lines);
            for (let i = 0; i < bytes.length; i += 8192)
              controller.enqueue(bytes.subarray(i, i + 8192));
            controller.close();
          },
        }),
        duplex: 'half',
      });
      expect(res.status).toBe(200);
      const body: any = await res.json();
      expect(body.truncated).toBe(true);
      expect(body.created).toBeGreaterThan(50);
      expect(body.created).toBeLessThan(100);
      expect(body.failed).toEqual([
        { line: body.created + 1, error: expect.stringContaining('larger than 65536 bytes') },
      ]);
    });

    it('needs the write scope and a writing role', async () => {
      const res = await t.http.post('/api/blocks/import', undefined, {
        rawBody: '{"title":"x"}\n',
        headers: NDJSON,
      });
      expect(res.status).toBe(401);
    });
  });
});
