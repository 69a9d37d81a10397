import type { Pool, PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import type { DataSource } from 'typeorm';
import type { VectorHit } from '@app/common';
import { withStatementTimeout } from '@app/database';
import { EmbeddingsErrorCode, EmbeddingsException } from '../embeddings.exception';
import type { EmbeddingsRepository } from '../embeddings.repository';
import { TopK } from '../top-k';
import { decodeVector, dotWithBytes, encodeVector } from '../vector-codec';
import type { VectorSpace, VectorStore, VectorWrite } from './vector-store';

const VECTOR_OF = `
  SELECT vector FROM block_embeddings
  WHERE tenant_id = $1 AND model = $2 AND dimensions = $3 AND block_id = $4 AND vector IS NOT NULL`;

/**
 * Every vector of the tenant's live blocks in the configured model, through the primary key's
 * (tenant_id, model, dimensions) prefix; one more than the cap is read to tell "too many".
 */
const SCAN = `
  SELECT e.block_id AS id, e.vector
  FROM block_embeddings e
  JOIN blocks b ON b.tenant_id = e.tenant_id AND b.id = e.block_id AND b.deleted_at IS NULL
  WHERE e.tenant_id = $1 AND e.model = $2 AND e.dimensions = $3 AND e.vector IS NOT NULL
    AND ($4::uuid IS NULL OR e.block_id <> $4::uuid)
  LIMIT $5`;

/** Rows fetched per round trip of the scan's cursor: ~3 MiB at 768 dimensions. */
const SCAN_BATCH_ROWS = 1000;

/**
 * Vectors as float32 bytea, searched by an exact cosine scan in the app, streamed through a
 * cursor so memory stays at one batch whatever the tenant's size, under the `embed` class's
 * statement timeout, and refused above `maxVectors` per tenant (a clear 422, not a slow query).
 */
export class ByteaVectorsRepository implements VectorStore {
  readonly kind = 'bytea' as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly pool: Pool,
    private readonly bookkeeping: EmbeddingsRepository,
    private readonly space: VectorSpace,
    private readonly maxVectors: number,
    private readonly statementTimeoutMs: number | undefined,
  ) {}

  save(rows: VectorWrite[]): Promise<void> {
    const writes = rows.map((row) => ({ ...row, vector: encodeVector(row.vector) }));
    return this.bookkeeping.transaction((manager) =>
      this.bookkeeping.upsert(manager, writes, this.space.model, this.space.dimensions),
    );
  }

  async vectorOf(tenantId: string, blockId: string): Promise<Float32Array | null> {
    const rows: Array<{ vector: Buffer }> = await this.dataSource.query(VECTOR_OF, [
      tenantId,
      this.space.model,
      this.space.dimensions,
      blockId,
    ]);
    return rows[0] ? decodeVector(rows[0].vector) : null;
  }

  nearest(
    tenantId: string,
    query: Float32Array,
    limit: number,
    excludeId?: string,
  ): Promise<VectorHit[]> {
    return withStatementTimeout(this.pool, this.statementTimeoutMs, (client) =>
      this.scan(client, tenantId, query, limit, excludeId ?? null),
    );
  }

  private async scan(
    client: PoolClient,
    tenantId: string,
    query: Float32Array,
    limit: number,
    excludeId: string | null,
  ): Promise<VectorHit[]> {
    const { model, dimensions } = this.space;
    const stream = client.query(
      new QueryStream(SCAN, [tenantId, model, dimensions, excludeId, this.maxVectors + 1], {
        batchSize: SCAN_BATCH_ROWS,
        highWaterMark: SCAN_BATCH_ROWS,
      }),
    );
    const best = new TopK(limit);
    let seen = 0;
    for await (const row of stream as AsyncIterable<{ id: string; vector: Buffer }>) {
      if (++seen > this.maxVectors) {
        stream.destroy();
        throw new EmbeddingsException(
          EmbeddingsErrorCode.VECTOR_SCAN_TOO_LARGE,
          `This tenant has more than ${this.maxVectors} vectors, the most an exact scan reads (EMBEDDINGS_SCAN_MAX_VECTORS); semantic search needs pgvector here`,
        );
      }
      best.offer({ id: row.id, score: dotWithBytes(query, row.vector) });
    }
    return best.sorted();
  }
}
