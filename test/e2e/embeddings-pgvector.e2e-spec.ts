import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import type { VectorStore } from '../../libs/embeddings/src/storage/vector-store';
import { VECTOR_STORE_PROVIDER } from '../../libs/embeddings/src/storage/vector-store.provider';
import { EmbeddingsRepository } from '../../libs/embeddings/src/embeddings.repository';
import { normalize } from '../../libs/embeddings/src/vector-codec';
import { Embeddings1763770500000 } from '../../libs/database/src/migrations/1763770500000-embeddings';
import { EmbeddingStandIn } from '../support/embedding-stand-in';
import { startPgliteWithVector, type PgliteServer } from '../support/pglite-server';

const DIMENSIONS = 64;
const MODEL = 'bow';

/** Only the columns of blocks the embeddings migration and queries touch. */
const BLOCKS = `
  CREATE TABLE blocks (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    title text NOT NULL,
    content text NOT NULL DEFAULT '',
    deleted_at timestamptz(3),
    CONSTRAINT blocks_tenant_id_id_key UNIQUE (tenant_id, id)
  )`;

const TEXTS = [
  'garlic tomato sauce with basil',
  'garlic bread in a hot oven',
  'roast chicken with lemon',
  'dns resolves a server name',
  'router firewall blocks traffic',
];

const silent = { info: () => undefined, warn: () => undefined, debug: () => undefined };

type Factory = (...args: unknown[]) => Promise<VectorStore | null>;

/**
 * The pgvector storage against a real PostgreSQL with the extension: PGlite with its bundled
 * pgvector, over the wire protocol (the embedded PostgreSQL ships no pgvector). The bytea
 * storage is covered through the API in embeddings.e2e-spec.ts.
 */
describe('embeddings: pgvector storage (PGlite with pgvector)', () => {
  const bow = new EmbeddingStandIn(DIMENSIONS);
  let pg: PgliteServer;
  let dataSource: DataSource;
  let store: VectorStore;
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  const ids: string[] = [];
  let other: string;

  const unit = (text: string) => normalize(bow.embed(MODEL, text))!;

  beforeAll(async () => {
    pg = await startPgliteWithVector();
    dataSource = new DataSource({ type: 'postgres', url: pg.url, extra: { max: 1 } });
    await dataSource.initialize();
    await dataSource.query(BLOCKS);
    const runner = dataSource.createQueryRunner();
    await new Embeddings1763770500000().up(runner);
    await runner.release();
    const config = {
      embeddings: { provider: 'openai', model: MODEL, dimensions: DIMENSIONS, scanMaxVectors: 10 },
    } as unknown as AppConfig;
    const bookkeeping = new EmbeddingsRepository(dataSource);
    const concurrency = { statementTimeoutMs: () => 5000 };
    store = (await (VECTOR_STORE_PROVIDER as { useFactory: Factory }).useFactory(
      config,
      dataSource,
      bookkeeping,
      concurrency,
      silent,
    ))!;
    for (const [i, text] of TEXTS.entries()) {
      const id = randomUUID();
      ids.push(id);
      await dataSource.query(
        `INSERT INTO blocks (id, tenant_id, title, content) VALUES ($1, $2, $3, $4)`,
        [id, tenantA, `a${i}`, text],
      );
    }
    other = randomUUID();
    await dataSource.query(
      `INSERT INTO blocks (id, tenant_id, title, content) VALUES ($1, $2, 'b', $3)`,
      [other, tenantB, TEXTS[0]],
    );
    await store.save([
      ...TEXTS.map((text, i) => ({
        tenantId: tenantA,
        blockId: ids[i],
        hash: Buffer.alloc(32, i),
        vector: unit(text),
      })),
      { tenantId: tenantB, blockId: other, hash: Buffer.alloc(32), vector: unit(TEXTS[0]) },
    ]);
  }, 120_000);
  afterAll(async () => {
    await dataSource?.destroy();
    await pg?.stop();
  });

  it('detects pgvector and keeps the vectors in a typed table with an HNSW index', async () => {
    expect(store.kind).toBe('pgvector');
    const [{ typ }] = await dataSource.query(
      `SELECT format_type(a.atttypid, a.atttypmod) AS typ FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relname LIKE 'block_vectors_%' AND a.attname = 'embedding'`,
    );
    expect(typ).toBe(`vector(${DIMENSIONS})`);
    const indexes = await dataSource.query(
      `SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'block_vectors_%' AND indexdef LIKE '%hnsw%'`,
    );
    expect(indexes).toHaveLength(1);
    // The bookkeeping rows carry no bytea copy in this storage.
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM block_embeddings WHERE vector IS NULL AND model = $1`,
      [MODEL],
    );
    expect(n).toBe(6);
  });

  /** Exact cosine scores of tenant A's live blocks against `query`, best first. */
  const exactTop = (query: Float32Array, without?: number) =>
    TEXTS.map((text, i) => ({ i, score: unit(text).reduce((s, x, d) => s + x * query[d], 0) }))
      .filter(({ i }) => i !== without)
      .sort((x, y) => y.score - x.score);

  it("ranks a tenant's blocks by cosine similarity, the tenant's own only", async () => {
    const query = unit('garlic tomato sauce');
    const hits = await store.nearest(tenantA, query, 3);
    expect(hits[0].id).toBe(ids[0]);
    expect(hits.map((h) => h.score)).toEqual(
      exactTop(query)
        .slice(0, 3)
        .map(({ score }) => expect.closeTo(score, 5)),
    );
    expect(hits.map((h) => h.id)).not.toContain(other);
    expect((await store.nearest(tenantB, query, 10)).map((h) => h.id)).toEqual([other]);
  });

  it("answers a block's neighbours without the block itself, and null for a block with no vector", async () => {
    const vector = await store.vectorOf(tenantA, ids[0]);
    expect(vector).toHaveLength(DIMENSIONS);
    const near = await store.nearest(tenantA, vector!, 10, ids[0]);
    expect(near.map((h) => h.id)).not.toContain(ids[0]);
    expect(near.map((h) => h.score)).toEqual(
      exactTop(vector!, 0).map(({ score }) => expect.closeTo(score, 5)),
    );
    expect(await store.vectorOf(tenantB, ids[0])).toBeNull();
  });

  it('has a nearest-neighbour query the HNSW index can serve (planner steered off seq scans on this 6-row table)', async () => {
    // Capture the query exactly as the store sends it, then ask the planner about it.
    const pool = (store as unknown as { pool: Pool }).pool;
    const texts: Array<{ text?: string; values?: unknown[] }> = [];
    const connect = pool.connect.bind(pool) as () => Promise<PoolClient>;
    const spy = jest
      .spyOn(pool as unknown as { connect: () => Promise<PoolClient> }, 'connect')
      .mockImplementation(async () => {
        const client = await connect();
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        client.query = ((config: unknown, ...rest: unknown[]) => {
          texts.push(config as { text?: string; values?: unknown[] });
          return query(config, ...rest);
        }) as typeof client.query;
        return client;
      });
    try {
      await store.nearest(tenantA, unit('garlic tomato sauce'), 3);
    } finally {
      spy.mockRestore();
    }
    const sent = texts.find((c) => typeof c?.text === 'string' && c.text.includes('<=>'));
    expect(sent).toBeDefined();
    const [{ indexname }] = await dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE tablename LIKE 'block_vectors_%' AND indexdef LIKE '%hnsw%'`,
    );
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      // A handful of rows is cheaper to sort than to search: price sorting and sequential scans
      // out so the plan shows whether the query's shape (ORDER BY distance LIMIT) can use the
      // index. Whether the planner picks it on a real table depends on its statistics.
      await runner.query('SET LOCAL enable_seqscan = off');
      await runner.query('SET LOCAL enable_sort = off');
      const plan = (await runner.query(`EXPLAIN ${sent!.text}`, sent!.values)) as Array<{
        'QUERY PLAN': string;
      }>;
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toMatch(new RegExp(`Index Scan using ${indexname} `));
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('leaves soft-deleted blocks out and drops the vectors of hard-deleted ones', async () => {
    await dataSource.query(`UPDATE blocks SET deleted_at = now() WHERE id = $1`, [ids[1]]);
    const hits = await store.nearest(tenantA, unit('garlic bread'), 10);
    expect(hits.map((h) => h.id)).not.toContain(ids[1]);
    await dataSource.query(`DELETE FROM blocks WHERE id = $1`, [ids[2]]);
    expect(await store.vectorOf(tenantA, ids[2])).toBeNull();
    // The trigger queued every insert and the delete; the hard delete cascaded away.
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM embedding_outbox`);
    expect(n).toBe(5);
  });
});
