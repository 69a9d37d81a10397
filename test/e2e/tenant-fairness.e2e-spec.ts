import type { PoolClient } from 'pg';
import { TenantConcurrency } from '@app/common';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import type { HttpResponse } from '../support/http-client';
import { parsePrometheus, sum } from '../support/prometheus';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Slowness made deterministic: the test's own connection holds an ACCESS EXCLUSIVE lock on
 * `blocks`, so every admitted search (or write) waits on it inside PostgreSQL until the test
 * commits. Who is admitted is then read from pg_stat_activity, never from timings.
 */
async function lockBlocks(t: TestApp): Promise<PoolClient> {
  const client = await t.db.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE blocks IN ACCESS EXCLUSIVE MODE');
  return client;
}

async function unlock(client: PoolClient): Promise<void> {
  await client.query('COMMIT');
  client.release();
}

/** Statements of the app waiting for the test's lock, whose text contains `marker`. */
async function waitingOnLock(t: TestApp, marker: string): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
    [`%${marker}%`],
  );
  return rows[0].n;
}

/** The first statement of a /related walk: the one a lock on `blocks` holds. */
const WALK_START = 'SELECT id, title, type FROM blocks WHERE id = $1';

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function metric(t: TestApp, name: string, labels: Record<string, string>): Promise<number> {
  return sum(parsePrometheus((await t.http.get('/metrics')).text), name, labels);
}

describe('tenant fairness: per-tenant concurrency caps', () => {
  let t: TestApp;
  let a: RegisteredUser;
  let b: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...BLOCKS_TEST_ENV,
        TENANT_CONCURRENCY: 'search=2,related=1',
        CONCURRENCY_WAIT_MS: '300',
        // The lock holds searches for as long as the test needs: no timeout may cut them.
        STATEMENT_TIMEOUTS_MS: 'search=60000,related=60000',
      },
    });
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    for (const user of [a, b]) {
      await createBlock(t.http, user.accessToken, { title: 'Harbor lantern', content: 'harbor' });
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const search = (user: RegisteredUser): Promise<HttpResponse> =>
    t.http.get('/api/blocks/search?q=harbor', { token: user.accessToken });

  it("refuses one tenant's search over its cap with a 429 and Retry-After while another tenant's is admitted", async () => {
    const lock = await lockBlocks(t);
    let held: Array<Promise<HttpResponse>> = [];
    try {
      held = [search(a), search(a)];
      await until(
        async () => (await waitingOnLock(t, 'websearch_to_tsquery')) === 2,
        "tenant A's two searches to reach PostgreSQL",
      );

      const refused = await search(a);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toMatchObject({
        code: 'RATE_LIMITED',
        reason: 'TENANT_BUSY',
        detail: expect.stringMatching(/already runs 2 search operations at once/),
      });

      // Tenant B is under its own cap: admitted at once, its query waits on the same lock.
      held.push(search(b));
      await until(
        async () => (await waitingOnLock(t, 'websearch_to_tsquery')) === 3,
        "tenant B's search to reach PostgreSQL",
      );
      // Read from the limiter itself: a scrape now would wait on the lock (blocks_total).
      expect(t.app.get(TenantConcurrency).inFlight()).toEqual({ search: 3 });
    } finally {
      await unlock(lock);
    }
    const answers = await Promise.all(held);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(answers.map((r) => r.body.items.length)).toEqual([1, 1, 1]);
    expect(await metric(t, 'tenant_concurrency_in_flight', { operation: 'search' })).toBe(0);
    expect(
      await metric(t, 'tenant_concurrency_rejections_total', {
        operation: 'search',
        scope: 'tenant',
      }),
    ).toBe(1);
  });

  it('caps /related traversals per tenant the same way', async () => {
    const [x, y] = [
      await createBlock(t.http, a.accessToken, { title: 'x' }),
      await createBlock(t.http, a.accessToken, { title: 'y' }),
    ];
    expect(
      (
        await t.http.post(
          `/api/blocks/${x.id}/relations`,
          { targetId: y.id, type: 'references' },
          { token: a.accessToken },
        )
      ).status,
    ).toBe(201);
    const related = () =>
      t.http.get(`/api/blocks/${x.id}/related?depth=3`, { token: a.accessToken });
    const lock = await lockBlocks(t);
    let held: Promise<HttpResponse> | undefined;
    try {
      held = related();
      await until(
        async () => (await waitingOnLock(t, WALK_START)) === 1,
        'the traversal to reach PostgreSQL',
      );
      const refused = await related();
      expect(refused.status).toBe(429);
      expect(refused.body.reason).toBe('TENANT_BUSY');
      expect(refused.headers.get('retry-after')).toBe('1');
    } finally {
      await unlock(lock);
    }
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.body.nodes).toHaveLength(2);
  });
});

describe('tenant fairness: refusal before validation', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...BLOCKS_TEST_ENV,
        TENANT_CONCURRENCY: 'related=1',
        // No waiting: an operation over its cap is refused at once, so before its validation.
        CONCURRENCY_WAIT_MS: '0',
        STATEMENT_TIMEOUTS_MS: 'related=60000',
      },
    });
    user = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a heavy request over the cap with the same 429, even one its validation would refuse', async () => {
    const block = await createBlock(t.http, user.accessToken, { title: 'hub' });
    const related = (query: string) =>
      t.http.get(`/api/blocks/${block.id}/related?${query}`, { token: user.accessToken });
    const lock = await lockBlocks(t);
    let held: Promise<HttpResponse> | undefined;
    let refused: HttpResponse[];
    try {
      held = related('depth=2');
      await until(
        async () => (await waitingOnLock(t, WALK_START)) === 1,
        'the traversal to reach PostgreSQL',
      );
      refused = [await related('depth=2'), await related('depth=99')];
    } finally {
      await unlock(lock);
    }
    for (const res of refused) {
      expect(res.status).toBe(429);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toMatchObject({
        code: 'RATE_LIMITED',
        reason: 'TENANT_BUSY',
        detail: 'This tenant already runs 1 related operations at once, its limit; retry shortly',
      });
    }
    expect((await held).status).toBe(200);
    // Under the cap the same bad query meets its validation again.
    expect((await related('depth=99')).status).toBe(400);
    expect(
      await metric(t, 'tenant_concurrency_rejections_total', {
        operation: 'related',
        scope: 'tenant',
      }),
    ).toBe(2);
  });
});

describe('tenant fairness: statement timeout per operation class', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...BLOCKS_TEST_ENV,
        STATEMENT_TIMEOUTS_MS: 'search=300,related=300,bulk=300,import=300',
      },
    });
    user = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a search, traversal or bulk cancelled by its statement timeout with a 503 naming the limit', async () => {
    const block = await createBlock(t.http, user.accessToken, { title: 'timeouts' });
    const token = user.accessToken;
    const lock = await lockBlocks(t);
    let answers: HttpResponse[];
    try {
      answers = [
        await t.http.get('/api/blocks/search?q=timeouts', { token }),
        await t.http.get(`/api/blocks/${block.id}/related`, { token }),
        await t.http.post(
          '/api/blocks/bulk',
          { operations: [{ op: 'create', data: { title: 'never' } }] },
          { token },
        ),
      ];
    } finally {
      await unlock(lock);
    }
    for (const [res, operation] of answers.map((r, i) => [r, ['search', 'related', 'bulk'][i]])) {
      const answer = res as HttpResponse;
      expect([operation, answer.status]).toEqual([operation, 503]);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.body).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'QUERY_TIMEOUT',
        detail: `The ${operation as string} query took longer than its 300 ms limit and was cancelled; narrow it or retry later`,
      });
    }
    // Nothing of the cancelled bulk was stored.
    const stored = await t.db.query(`SELECT 1 FROM blocks WHERE title = 'never'`);
    expect(stored.rowCount).toBe(0);
    for (const operation of ['search', 'related', 'bulk']) {
      expect(await metric(t, 'query_timeouts_total', { operation })).toBe(1);
    }
    // With the lock gone the same requests succeed: the timeout bounded them, nothing broke.
    expect((await t.http.get('/api/blocks/search?q=timeouts', { token })).status).toBe(200);
  });

  it('lists an import line cancelled by its statement timeout as failed, naming the limit', async () => {
    const lines = `${JSON.stringify({ title: 'slow line' })}\n`;
    const lock = await lockBlocks(t);
    let res: HttpResponse;
    try {
      res = await t.http.post('/api/blocks/import', undefined, {
        token: user.accessToken,
        rawBody: lines,
        headers: { 'content-type': 'application/x-ndjson' },
      });
    } finally {
      await unlock(lock);
    }
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      created: 0,
      failed: [
        { line: 1, error: 'a statement took longer than its 300 ms limit and was cancelled' },
      ],
    });
  });
});
