import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { VectorHit } from '@app/common';
import { leanQuery, withStatementTimeout } from '@app/database';
import type { EmbeddingsRepository } from '../embeddings.repository';
import { toPgvector } from '../vector-codec';
import type { VectorSpace, VectorStore, VectorWrite } from './vector-store';

/** pgvector's HNSW index takes `vector` columns of at most 2000 dimensions. */
const HNSW_MAX_DIMENSIONS = 2000;

/** Candidates the HNSW search keeps (pgvector's default is 40); more recall per tenant filter. */
const EF_SEARCH = 100;

/**
 * pgvector storage: one table per (model, dimensions), `vector(n)` with an HNSW index on cosine
 * distance. A table per space (not one table with an expression index per space) keeps the
 * column typed, so the index needs no cast in every query, and dropping an old model is one
 * DROP TABLE. The app creates it at start-up (the dimensions are configuration, not schema),
 * under an advisory lock so replicas starting together do not race; bookkeeping rows stay in
 * block_embeddings (with `vector` NULL), shared with the bytea storage.
 */
export class PgvectorVectorsRepository implements VectorStore {
  readonly kind = 'pgvector' as const;
  /** `block_vectors_` and 12 hex digits of the space's hash: a safe identifier. */
  readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly pool: Pool,
    private readonly bookkeeping: EmbeddingsRepository,
    private readonly space: VectorSpace,
    private readonly statementTimeoutMs: number | undefined,
  ) {
    const digest = createHash('sha256').update(`${space.model}@${space.dimensions}`).digest('hex');
    this.table = `block_vectors_${digest.slice(0, 12)}`;
  }

  /** Creates this space's table and index when missing. */
  async prepare(): Promise<void> {
    const { dimensions } = this.space;
    const index =
      dimensions <= HNSW_MAX_DIMENSIONS
        ? `CREATE INDEX IF NOT EXISTS ${this.table}_hnsw ON ${this.table} USING hnsw (embedding vector_cosine_ops)`
        : null;
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [this.table]);
      await manager.query(`
        CREATE TABLE IF NOT EXISTS ${this.table} (
          tenant_id uuid NOT NULL,
          block_id uuid NOT NULL,
          embedding vector(${Math.floor(dimensions)}) NOT NULL,
          PRIMARY KEY (tenant_id, block_id),
          FOREIGN KEY (tenant_id, block_id) REFERENCES blocks (tenant_id, id) ON DELETE CASCADE
        )`);
      if (index) await manager.query(index);
    });
  }

  save(rows: VectorWrite[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.bookkeeping.transaction(async (manager) => {
      await this.bookkeeping.upsert(
        manager,
        rows.map((row) => ({ ...row, vector: null })),
        this.space.model,
        this.space.dimensions,
      );
      await manager.query(
        `INSERT INTO ${this.table} (tenant_id, block_id, embedding)
         SELECT r.tenant_id, r.block_id, r.embedding::vector
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS r(tenant_id, block_id, embedding)
         JOIN blocks b ON b.tenant_id = r.tenant_id AND b.id = r.block_id
         ON CONFLICT (tenant_id, block_id) DO UPDATE SET embedding = EXCLUDED.embedding`,
        [
          rows.map((row) => row.tenantId),
          rows.map((row) => row.blockId),
          rows.map((row) => toPgvector(row.vector)),
        ],
      );
    });
  }

  async vectorOf(tenantId: string, blockId: string): Promise<Float32Array | null> {
    const rows: Array<{ embedding: string }> = await this.dataSource.query(
      `SELECT embedding::text AS embedding FROM ${this.table} WHERE tenant_id = $1 AND block_id = $2`,
      [tenantId, blockId],
    );
    return rows[0] ? parsePgvector(rows[0].embedding) : null;
  }

  nearest(
    tenantId: string,
    query: Float32Array,
    limit: number,
    excludeId?: string,
  ): Promise<VectorHit[]> {
    return withStatementTimeout(this.pool, this.statementTimeoutMs, (client) =>
      this.search(client, tenantId, query, limit, excludeId ?? null),
    );
  }

  private async search(
    client: PoolClient,
    tenantId: string,
    query: Float32Array,
    limit: number,
    excludeId: string | null,
  ): Promise<VectorHit[]> {
    await client.query(`SET LOCAL hnsw.ef_search = ${EF_SEARCH}`);
    // pgvector 0.8+ keeps scanning the graph until the tenant filter has `limit` rows; older
    // versions lack the setting (the savepoint keeps the transaction usable without it).
    await client.query('SAVEPOINT iterative');
    await client
      .query(`SET LOCAL hnsw.iterative_scan = relaxed_order`)
      .then(() => client.query('RELEASE SAVEPOINT iterative'))
      .catch(() => client.query('ROLLBACK TO SAVEPOINT iterative'));
    // relaxed_order may return neighbours slightly out of order: the outer query sorts them.
    const rows = await leanQuery<{ id: string; score: number }>(client, {
      text: `
        SELECT id, score FROM (
          SELECT v.block_id AS id, 1 - (v.embedding <=> $2::vector) AS score
          FROM ${this.table} v
          JOIN blocks b ON b.tenant_id = v.tenant_id AND b.id = v.block_id AND b.deleted_at IS NULL
          WHERE v.tenant_id = $1 AND ($3::uuid IS NULL OR v.block_id <> $3::uuid)
          ORDER BY v.embedding <=> $2::vector
          LIMIT $4
        ) nearest ORDER BY score DESC, id`,
      values: [tenantId, toPgvector(query), excludeId, limit],
    });
    return rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }
}

function parsePgvector(text: string): Float32Array {
  return Float32Array.from(text.slice(1, -1).split(','), Number);
}
