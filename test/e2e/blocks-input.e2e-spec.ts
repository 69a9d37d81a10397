import { randomUUID } from 'node:crypto';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** Every bad input is a clear 4xx that changes nothing; limits come from the configuration. */
describe('blocks: bad input, configured limits, documentation', () => {
  let t: TestApp;
  let alice: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    alice = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('bad input is a clear 4xx and changes nothing', () => {
    const cases: Array<[string, unknown]> = [
      ['an unknown field', { title: 'x', owner: 'someone' }],
      ['a tenantId from the client', { title: 'x', tenantId: randomUUID() }],
      ['a missing title', { content: 'x' }],
      ['an empty title', { title: '' }],
      ['a blank title', { title: '   ' }],
      ['a title of 201 characters', { title: 'a'.repeat(201) }],
      ['a title of the wrong type', { title: 42 }],
      ['content of the wrong type', { title: 'x', content: ['a'] }],
      ['content over 1 MiB', { title: 'x', content: 'a'.repeat(1024 * 1024 + 1) }],
      ['content with a NUL', { title: 'x', content: 'a\u0000b' }],
      ['an unknown type', { title: 'x', type: 'pdf' }],
      ['33 tags', { title: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }],
      ['a tag of 65 characters', { title: 'x', tags: ['a'.repeat(65)] }],
      ['duplicate tags', { title: 'x', tags: ['a', 'a'] }],
      ['tags that are not strings', { title: 'x', tags: [1, 2] }],
      ['metadata that is an array', { title: 'x', metadata: [1] }],
      ['metadata that is a string', { title: 'x', metadata: 'x' }],
      ['metadata over 16 KiB', { title: 'x', metadata: { big: 'a'.repeat(16 * 1024) } }],
      ['a body that is an array', [{ title: 'x' }]],
    ];

    it.each(cases)('refuses %s with a 400 problem', async (_name, body) => {
      const before = await t.db.query('SELECT count(*) FROM blocks');
      const res = await t.http.post('/api/blocks', body, { token: alice.accessToken });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.text).not.toMatch(/at .*\.ts|SELECT|INSERT/);
      const after = await t.db.query('SELECT count(*) FROM blocks');
      expect(after.rows[0].count).toBe(before.rows[0].count);
    });

    it('accepts every field at its limit', async () => {
      const res = await t.http.post(
        '/api/blocks',
        {
          title: 'é'.repeat(200),
          content: 'a'.repeat(1024 * 1024),
          tags: Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(64, 'x')),
          metadata: { big: 'a'.repeat(16 * 1024 - 12) },
        },
        { token: alice.accessToken },
      );
      expect(res.status).toBe(201);
    });

    it('refuses bodies nested too deeply with a 400, never a stack overflow', async () => {
      const deep = (d: number) =>
        `{"title":"deep","metadata":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`;
      const ok = await t.http.post('/api/blocks', undefined, {
        token: alice.accessToken,
        rawBody: deep(60),
        headers: { 'content-type': 'application/json' },
      });
      expect(ok.status).toBe(201);
      for (const body of [
        deep(100),
        deep(100_000),
        `{"title":"x","tags":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      ]) {
        const res = await t.http.post('/api/blocks', undefined, {
          token: alice.accessToken,
          rawBody: body,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(400);
        expect(res.body.detail).toContain('nested');
      }
    });

    it('names the field in errors', async () => {
      const res = await t.http.post(
        '/api/blocks',
        { title: 'a'.repeat(201) },
        { token: alice.accessToken },
      );
      expect(res.body.errors).toEqual([
        { field: 'title', message: expect.stringContaining('at most 200 characters') },
      ]);
    });

    it('answers malformed JSON with a 400 and a wrong content type with a 415', async () => {
      const malformed = await t.http.post('/api/blocks', undefined, {
        token: alice.accessToken,
        rawBody: '{"title": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      const plain = await t.http.post('/api/blocks', undefined, {
        token: alice.accessToken,
        rawBody: 'title=x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(plain.status).toBe(415);
    });

    it('refuses bad PATCH bodies the same way', async () => {
      const block = await createBlock(t.http, alice.accessToken);
      for (const body of [
        { title: '' },
        { version: 9 },
        { tags: 'x' },
        { metadata: null },
        { id: randomUUID() },
      ]) {
        const res = await t.http.patch(`/api/blocks/${block.id}`, body, {
          token: alice.accessToken,
        });
        expect(res.status).toBe(400);
      }
      const after = await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken });
      expect(after.body.version).toBe(1);
    });
  });

  describe('configuration and documentation', () => {
    it('applies configured limits', async () => {
      const small = await startTestApp({
        env: {
          ...BLOCKS_TEST_ENV,
          BLOCKS_MAX_TITLE_LENGTH: '10',
          BLOCKS_MAX_TAGS: '2',
          BLOCKS_MAX_CONTENT_BYTES: '16',
        },
      });
      try {
        const u = await registerUser(small.http);
        const post = (body: object) =>
          small.http.post('/api/blocks', body, { token: u.accessToken });
        expect((await post({ title: '0123456789' })).status).toBe(201);
        expect((await post({ title: '01234567890' })).status).toBe(400);
        expect((await post({ title: 'x', tags: ['a', 'b', 'c'] })).status).toBe(400);
        expect((await post({ title: 'x', content: 'é'.repeat(9) })).status).toBe(400);
      } finally {
        await small.close();
      }
    });

    it('documents every blocks route with an operationId, security, DTOs, headers and errors', async () => {
      const doc = (await t.http.get('/docs-json')).body;
      const operations = Object.entries(doc.paths as Record<string, any>)
        .filter(([path]) => path.startsWith('/api/blocks'))
        .flatMap(([path, item]) =>
          Object.entries(item).map(([method, op]: [string, any]) => ({ path, method, op })),
        );
      expect(operations.map((o) => o.op.operationId).sort()).toEqual(
        [
          'bulkBlocks',
          'compareBlockVersions',
          'createBlock',
          'createBlockRelation',
          'deleteBlock',
          'deleteBlockRelation',
          'exportBlocks',
          'getBlock',
          'getBlockUsages',
          'getBlockVersion',
          'getRelatedBlocks',
          'importBlocks',
          'listBlockVersions',
          'listBlocks',
          'restoreBlock',
          'restoreBlockVersion',
          'searchBlocks',
          'similarBlocks',
          'suggestBlockTitles',
          'updateBlock',
        ].sort(),
      );
      for (const { op } of operations) {
        expect(op.tags).toEqual(['blocks']);
        expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }, { apiKey: [] }]));
        expect(op.responses['401']).toBeDefined();
      }
      const patch = doc.paths['/api/blocks/{id}'].patch;
      expect(patch.parameters.map((p: any) => p.name)).toEqual(
        expect.arrayContaining(['id', 'If-Match']),
      );
      expect(patch.responses['412']).toBeDefined();
      expect(patch.responses['200'].headers.ETag).toBeDefined();
      const get = doc.paths['/api/blocks/{id}'].get;
      expect(get.parameters.map((p: any) => p.name)).toContain('If-None-Match');
      expect(get.responses['304']).toBeDefined();
      expect(doc.paths['/api/blocks'].post.responses['201'].headers.Location).toBeDefined();
      const create = doc.components.schemas.CreateBlockDto;
      expect(create.properties.title).toMatchObject({ maxLength: 200 });
      expect(create.properties.content.description).toContain('BLOCKS_MAX_CONTENT_BYTES');
      expect(create.properties.tags.description).toContain('BLOCKS_MAX_TAGS');
      expect(create.properties.metadata.description).toContain('BLOCKS_MAX_METADATA_BYTES');
      expect(create.properties.title.example).toBeDefined();
      expect(doc.components.schemas.BlockPage).toBeDefined();
      expect(doc.components.schemas.BlockType).toBeDefined();
      expect(
        doc.paths['/api/blocks/import'].post.requestBody.content['application/x-ndjson'],
      ).toBeDefined();
      expect(
        doc.paths['/api/blocks/export'].get.responses['200'].content['application/x-ndjson'],
      ).toBeDefined();
    });
  });
});
