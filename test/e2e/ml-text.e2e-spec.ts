import { type Release, TenantConcurrency } from '@app/common';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { parsePrometheus, sum } from '../support/prometheus';
import { startTestApp, type TestApp } from '../support/test-app';

const FIXTURE =
  'On March 3, 2024 at 10:30 am, Alice Johnson of Acme Corporation paid $1,200 (15% off) to ' +
  'bob@example.com. See https://example.com/pay for details. She flew from Paris to Berlin.';

/** Text analysis over real HTTP: the work runs on the app's worker threads. */
describe('ml: analysis, entities and summaries', () => {
  let t: TestApp;
  let a: RegisteredUser;
  let b: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...BLOCKS_TEST_ENV, TENANT_CONCURRENCY: 'analyze=1', CONCURRENCY_WAIT_MS: '100' },
    });
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (path: string, body: unknown, user: RegisteredUser = a) =>
    t.http.post(`/api/ml/${path}`, body, { token: user.accessToken });

  it('needs credentials on every route', async () => {
    for (const path of ['analyze', 'entities', 'summarize', 'embeddings']) {
      expect((await t.http.post(`/api/ml/${path}`, { text: 'x' })).status).toBe(401);
    }
    expect((await t.http.get('/api/ml/status')).status).toBe(401);
  });

  it('analyses English text: counts, readability, sentiment and keywords', async () => {
    const res = await post('analyze', {
      text: 'The harbor is calm today. Boats leave the harbor at dawn. We love the quiet harbor.',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      language: 'en',
      sentences: 3,
      words: 16,
      sentiment: { label: 'positive' },
      unsupported: [],
    });
    expect(res.body.readability.fleschReadingEase).toBeGreaterThan(60);
    expect(res.body.readability.readingTimeSeconds).toBeGreaterThan(0);
    expect(res.body.keywords[0]).toEqual({ term: 'harbor', weight: 1 });
  });

  it('finds every entity type of the fixture, each with its offsets and method', async () => {
    const res = await post('entities', { text: FIXTURE });
    expect(res.status).toBe(200);
    const byType = new Map<string, { text: string; method: string }>();
    for (const e of res.body.entities) {
      expect(FIXTURE.slice(e.start, e.end)).toBe(e.text);
      byType.set(e.type, e);
    }
    expect(Object.fromEntries([...byType].map(([type, e]) => [type, [e.text, e.method]]))).toEqual(
      expect.objectContaining({
        DATE: ['March 3, 2024', 'model'],
        TIME: ['10:30 am', 'model'],
        MONEY: ['$1,200', 'model'],
        PERCENT: ['15%', 'model'],
        EMAIL: ['bob@example.com', 'model'],
        URL: ['https://example.com/pay', 'model'],
        PERSON: ['Alice Johnson', 'heuristic'],
        ORGANIZATION: ['Acme Corporation', 'heuristic'],
      }),
    );
    expect(res.body.entities.filter((e: { type: string }) => e.type === 'PLACE')).toHaveLength(2);
  });

  it('answers non-English text with its language and what it cannot do', async () => {
    const text =
      'Der Hafen ist heute ruhig. Die Boote verlassen den Hafen im Morgengrauen. Schreiben Sie an info@beispiel.de.';
    const analysis = await post('analyze', { text });
    expect(analysis.status).toBe(200);
    expect(analysis.body).toMatchObject({
      language: 'de',
      sentences: 3,
      readability: null,
      sentiment: null,
      keywords: [],
      unsupported: ['readability', 'sentiment', 'keywords'],
    });
    const entities = await post('entities', { text });
    expect(entities.body.language).toBe('de');
    expect(entities.body.entities).toEqual([
      expect.objectContaining({ type: 'EMAIL', text: 'info@beispiel.de', method: 'model' }),
    ]);
    expect(entities.body.unsupported).toEqual(expect.arrayContaining(['PERSON', 'DATE']));
  });

  it('summarises a block of the tenant, and another tenant cannot read it', async () => {
    const block = await createBlock(t.http, a.accessToken, {
      title: 'Solar',
      content: [
        'Solar panels turn sunlight into electricity.',
        'My neighbour has a red bicycle.',
        'Solar electricity from panels is cheaper every year.',
        'Panels on roofs make solar electricity at home.',
      ].join(' '),
    });
    const res = await post('summarize', { blockId: block.id, sentences: 2 });
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('extractive');
    expect(res.body.sentences).toHaveLength(2);
    expect(res.body.summary).toContain('olar');
    expect(res.body.summary).not.toContain('bicycle');
    const foreign = await post('summarize', { blockId: block.id }, b);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('refuses bad input with problem+json, never a 500', async () => {
    const cases: Array<[string, unknown, number]> = [
      ['analyze', {}, 400],
      ['analyze', { text: 'a', blockId: '0195f0a4-1c4b-7c6e-8d3e-1a2b3c4d5e6f' }, 400],
      ['analyze', { text: 42 }, 400],
      ['analyze', { blockId: 'not-a-uuid' }, 400],
      ['analyze', { text: 'x', extra: true }, 400],
      ['summarize', { text: 'x', sentences: 11 }, 400],
      ['summarize', { text: 'x', sentences: 0 }, 400],
      ['embeddings', { texts: [] }, 400],
      ['embeddings', { texts: Array.from({ length: 65 }, () => 'x') }, 400],
    ];
    for (const [path, body, status] of cases) {
      const res = await post(path, body);
      expect({ path, body, status: res.status }).toEqual({ path, body, status });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('caps the text at 100 000 characters with a 413 naming the limit', async () => {
    const res = await post('analyze', { text: 'word '.repeat(20_001) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ reason: 'TEXT_TOO_LARGE' });
    expect(res.body.detail).toContain('100000');
    const ok = await post('analyze', { text: 'word '.repeat(19_999) });
    expect(ok.status).toBe(200);
  });

  it('answers embeddings 503 EMBEDDINGS_NOT_CONFIGURED, and status says provider none', async () => {
    const res = await post('embeddings', { texts: ['hello'] });
    expect(res.status).toBe(503);
    expect(res.body.reason).toBe('EMBEDDINGS_NOT_CONFIGURED');
    const status = await t.http.get('/api/ml/status', { token: a.accessToken });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      analyzer: { status: 'ready', offline: true, maxTextLength: 100_000 },
      classifier: { trained: false, version: null },
      embeddings: {
        provider: 'none',
        model: null,
        dimensions: null,
        blocksEmbedded: 0,
        backlog: 0,
      },
    });
    expect(status.body.embeddings.blocksTotal).toBeGreaterThanOrEqual(1);
  });

  it("refuses over the tenant's analyze cap with 429 TENANT_BUSY; another tenant goes on", async () => {
    const release: Release = await t.app.get(TenantConcurrency).acquire('analyze', a.user.tenantId);
    try {
      const refused = await post('analyze', { text: 'Calm harbor.' });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body.reason).toBe('TENANT_BUSY');
      expect((await post('analyze', { text: 'Calm harbor.' }, b)).status).toBe(200);
    } finally {
      release();
    }
  });

  it('meters requests by operation and result, and writes audit entries', async () => {
    const metrics = parsePrometheus((await t.http.get('/metrics')).text);
    expect(
      sum(metrics, 'ml_requests_total', { operation: 'analyze', result: 'success' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sum(metrics, 'ml_requests_total', { operation: 'analyze', result: 'refused' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sum(metrics, 'ml_requests_total', { operation: 'embeddings', result: 'refused' })).toBe(
      1,
    );
    expect(
      sum(metrics, 'ml_processing_duration_seconds_count', { operation: 'summarize' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sum(metrics, 'ml_model_status', { model: 'analyzer' })).toBe(1);
    expect(sum(metrics, 'ml_model_status', { model: 'embeddings' })).toBe(0);
    await waitForAudit(t, a.user.tenantId, 'ml.summarize');
    const { rows } = await t.db.query<{ action: string }>(
      `SELECT DISTINCT action FROM audit_log WHERE tenant_id = $1 AND action LIKE 'ml.%'`,
      [a.user.tenantId],
    );
    expect(rows.map((r) => r.action).sort()).toEqual(['ml.analyze', 'ml.summarize']);
  });
});

/** Read entries are batched: wait until the one we look for is written. */
async function waitForAudit(t: TestApp, tenantId: string, action: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rowCount } = await t.db.query(
      'SELECT 1 FROM audit_log WHERE tenant_id = $1 AND action = $2 LIMIT 1',
      [tenantId, action],
    );
    if (rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${action} audit entry`);
}
