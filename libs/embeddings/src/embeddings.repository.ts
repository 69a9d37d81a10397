import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { leanQuery, pgPool } from '@app/database';
import { ROW_RETRY_MAX_SECONDS } from './embeddings-limits';

/** An outbox row a poller holds: `token` is its enqueued_at, exactly as stored. */
export interface ClaimedRow {
  tenant_id: string;
  block_id: string;
  token: string;
  attempts: number;
}

/** A claimed block as it is now: missing (hard-deleted), deleted, or its text and hashes. */
export interface BlockText {
  tenant_id: string;
  block_id: string;
  live: boolean;
  text: string | null;
  hash: Buffer | null;
  /** Hash of the text the current model's vector was made from, if there is one. */
  current_hash: Buffer | null;
}

export interface EmbeddingRow {
  tenantId: string;
  blockId: string;
  hash: Buffer;
  /** Null when the vector lives in pgvector instead. */
  vector: Buffer | null;
}

/**
 * Claims due rows for a lease instead of holding their locks: SKIP LOCKED lets pollers on every
 * replica take disjoint rows, and no transaction stays open while the provider answers. A
 * poller that dies leaves its rows to the next one once the lease is over.
 */
const CLAIM = `
  WITH due AS (
    SELECT tenant_id, block_id FROM embedding_outbox
    WHERE available_at <= now()
    ORDER BY available_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
  )
  UPDATE embedding_outbox o
  SET available_at = now() + make_interval(secs => $2), attempts = o.attempts + 1
  FROM due WHERE o.tenant_id = due.tenant_id AND o.block_id = due.block_id
  RETURNING o.tenant_id, o.block_id, o.enqueued_at::text AS token, o.attempts`;

/** The text a vector is made from, and its SHA-256 (of the whole text, not only what is sent). */
const TEXTS = `
  SELECT c.tenant_id, c.block_id, b.deleted_at IS NULL AND b.id IS NOT NULL AS live,
         left(b.title || E'\\n' || b.content, $3) AS text,
         sha256(convert_to(b.title || E'\\n' || b.content, 'UTF8')) AS hash,
         e.content_hash AS current_hash
  FROM unnest($1::uuid[], $2::uuid[]) AS c(tenant_id, block_id)
  LEFT JOIN blocks b ON b.tenant_id = c.tenant_id AND b.id = c.block_id
  LEFT JOIN block_embeddings e ON e.tenant_id = c.tenant_id AND e.block_id = c.block_id
    AND e.model = $4 AND e.dimensions = $5`;

const UPSERT = `
  INSERT INTO block_embeddings (tenant_id, block_id, model, dimensions, content_hash, vector)
  SELECT r.tenant_id, r.block_id, $4, $5, r.hash, r.vector
  FROM unnest($1::uuid[], $2::uuid[], $3::bytea[], $6::bytea[]) AS r(tenant_id, block_id, hash, vector)
  JOIN blocks b ON b.tenant_id = r.tenant_id AND b.id = r.block_id
  ON CONFLICT (tenant_id, model, dimensions, block_id) DO UPDATE
    SET content_hash = EXCLUDED.content_hash, vector = EXCLUDED.vector, embedded_at = now()`;

/** Only rows not enqueued again since they were claimed: a newer change keeps its row. */
const FINISH = `
  DELETE FROM embedding_outbox o
  USING unnest($1::uuid[], $2::uuid[], $3::text[]) AS c(tenant_id, block_id, token)
  WHERE o.tenant_id = c.tenant_id AND o.block_id = c.block_id
    AND o.enqueued_at = c.token::timestamptz`;

const RETRY_LATER = `
  UPDATE embedding_outbox o
  SET available_at = now() + make_interval(secs => least($4::float8, $3::float8 * 2 ^ least(o.attempts, 20)))
  FROM unnest($1::uuid[], $2::uuid[]) AS c(tenant_id, block_id)
  WHERE o.tenant_id = c.tenant_id AND o.block_id = c.block_id`;

/**
 * Live blocks with no vector of the configured model (those from before this module, or after
 * a model change): enqueued a bounded batch at a time, so no poller round is ever large.
 */
const BACKFILL = `
  INSERT INTO embedding_outbox (tenant_id, block_id)
  SELECT b.tenant_id, b.id FROM blocks b
  WHERE b.deleted_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM block_embeddings e
                    WHERE e.tenant_id = b.tenant_id AND e.model = $1 AND e.dimensions = $2
                      AND e.block_id = b.id)
    AND NOT EXISTS (SELECT 1 FROM embedding_outbox o
                    WHERE o.tenant_id = b.tenant_id AND o.block_id = b.id)
  LIMIT $3
  ON CONFLICT DO NOTHING
  RETURNING block_id`;

/**
 * Live blocks, and those embedded: a vector of the configured model ($1) and dimensions ($2) and
 * no change waiting in the outbox. Of one tenant ($3), or of every tenant together for the
 * coverage gauge (like the backlog's count of the whole outbox).
 */
const coverageOf = (scope: string): string => `
  SELECT count(*)::int AS total,
         count(*) FILTER (WHERE e.block_id IS NOT NULL AND o.block_id IS NULL)::int AS embedded
  FROM blocks b
  LEFT JOIN block_embeddings e ON e.tenant_id = b.tenant_id AND e.model = $1 AND e.dimensions = $2
    AND e.block_id = b.id
  LEFT JOIN embedding_outbox o ON o.tenant_id = b.tenant_id AND o.block_id = b.id
  WHERE ${scope} b.deleted_at IS NULL`;
const COVERAGE = coverageOf('b.tenant_id = $3 AND');
const COVERAGE_ALL = coverageOf('');

const COUNT_LIVE = `SELECT count(*)::int AS n FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL`;

/** Whether pgvector is installed in this database, or could be (its files are on the server). */
const VECTOR_EXTENSION = `
  SELECT installed_version IS NOT NULL AS installed FROM pg_available_extensions WHERE name = 'vector'`;

const OUTBOX_SIZE = `SELECT count(*)::int AS n FROM embedding_outbox`;

/**
 * All SQL of the outbox and of the vectors' bookkeeping. The poller works for every tenant (it
 * takes tenant ids from the rows it claimed); reads for a request take the caller's tenant.
 */
@Injectable()
export class EmbeddingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** On the `pg` pool: TypeORM answers an UPDATE with `[rows, count]`, not its RETURNING rows. */
  claim(limit: number, leaseSeconds: number): Promise<ClaimedRow[]> {
    return leanQuery<ClaimedRow>(pgPool(this.dataSource), {
      text: CLAIM,
      values: [limit, leaseSeconds],
    });
  }

  texts(
    claimed: ClaimedRow[],
    maxChars: number,
    model: string,
    dimensions: number,
  ): Promise<BlockText[]> {
    return this.dataSource.query(TEXTS, [
      claimed.map((row) => row.tenant_id),
      claimed.map((row) => row.block_id),
      maxChars,
      model,
      dimensions,
    ]);
  }

  async upsert(
    manager: EntityManager,
    rows: EmbeddingRow[],
    model: string,
    dimensions: number,
  ): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(UPSERT, [
      rows.map((row) => row.tenantId),
      rows.map((row) => row.blockId),
      rows.map((row) => row.hash),
      model,
      dimensions,
      rows.map((row) => row.vector),
    ]);
  }

  async finish(claimed: ClaimedRow[]): Promise<void> {
    if (claimed.length === 0) return;
    await this.dataSource.query(FINISH, [
      claimed.map((row) => row.tenant_id),
      claimed.map((row) => row.block_id),
      claimed.map((row) => row.token),
    ]);
  }

  /** The rows wait `baseSeconds` times 2^attempts (at most an hour) before the next try. */
  async retryLater(claimed: ClaimedRow[], baseSeconds: number): Promise<void> {
    if (claimed.length === 0) return;
    await this.dataSource.query(RETRY_LATER, [
      claimed.map((row) => row.tenant_id),
      claimed.map((row) => row.block_id),
      baseSeconds,
      ROW_RETRY_MAX_SECONDS,
    ]);
  }

  /** How many blocks were enqueued (0: every live block has a vector of this model or waits). */
  async backfill(model: string, dimensions: number, limit: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(BACKFILL, [model, dimensions, limit]);
    return rows.length;
  }

  async coverage(
    tenantId: string,
    model: string,
    dimensions: number,
  ): Promise<{ total: number; embedded: number }> {
    const rows: Array<{ total: number; embedded: number }> = await this.dataSource.query(COVERAGE, [
      model,
      dimensions,
      tenantId,
    ]);
    return rows[0] ?? { total: 0, embedded: 0 };
  }

  /** `coverage` over every tenant: what the `embeddings_coverage_ratio` gauge reports. */
  async coverageOfAll(
    model: string,
    dimensions: number,
  ): Promise<{ total: number; embedded: number }> {
    const rows: Array<{ total: number; embedded: number }> = await this.dataSource.query(
      COVERAGE_ALL,
      [model, dimensions],
    );
    return rows[0] ?? { total: 0, embedded: 0 };
  }

  async countLive(tenantId: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(COUNT_LIVE, [tenantId]);
    return rows[0]?.n ?? 0;
  }

  async vectorExtension(): Promise<'installed' | 'available' | 'missing'> {
    const rows: Array<{ installed: boolean }> = await this.dataSource.query(VECTOR_EXTENSION);
    if (rows.length === 0) return 'missing';
    return rows[0].installed ? 'installed' : 'available';
  }

  /** Needs CREATE on the database (a superuser on PostgreSQL 12 and older); throws otherwise. */
  async createVectorExtension(): Promise<void> {
    await this.dataSource.query(`CREATE EXTENSION IF NOT EXISTS vector`);
  }

  async outboxSize(): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(OUTBOX_SIZE);
    return rows[0]?.n ?? 0;
  }
}
