import type { VectorHit } from '@app/common';

/** One block's new vector, with the hash of the text it was made from. */
export interface VectorWrite {
  tenantId: string;
  blockId: string;
  hash: Buffer;
  vector: Float32Array;
}

/** Where vectors of the configured model live: pgvector with an HNSW index, or bytea. */
export interface VectorStore {
  readonly kind: 'pgvector' | 'bytea';
  /** Writes the vectors and their bookkeeping rows in one transaction. */
  save(rows: VectorWrite[]): Promise<void>;
  /** The block's vector of the configured model, if it has one. */
  vectorOf(tenantId: string, blockId: string): Promise<Float32Array | null>;
  /** The tenant's live blocks nearest to a unit vector, best first, `excludeId` left out. */
  nearest(
    tenantId: string,
    query: Float32Array,
    limit: number,
    excludeId?: string,
  ): Promise<VectorHit[]>;
}

/** The model and length every read and write of a store is filtered by. */
export interface VectorSpace {
  model: string;
  dimensions: number;
}
