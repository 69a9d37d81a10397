/**
 * The seam between block search and the embeddings module: blocks depend on this interface
 * only, so search works with no provider and the embeddings module never imports blocks.
 * The embeddings module provides it globally under VECTOR_SEARCH; consumers inject it
 * with @Optional() and treat a missing provider like `configured: false`.
 */
export const VECTOR_SEARCH = Symbol('VECTOR_SEARCH');

export interface VectorHit {
  /** Block id. */
  id: string;
  /** Cosine similarity in [-1, 1], higher is nearer. */
  score: number;
}

export interface VectorSearch {
  /** True when an embeddings provider is configured. */
  readonly configured: boolean;
  /** The model whose vectors answer queries, e.g. `nomic-embed-text@768`; null without a provider. */
  readonly model: string | null;
  /** The tenant's live blocks nearest to a text (embedded through the provider), best first. */
  nearestToText(tenantId: string, text: string, limit: number): Promise<VectorHit[]>;
  /**
   * The tenant's live blocks nearest to one block, best first, the block itself excluded;
   * null when that block has no vector for the current model yet (callers fall back).
   */
  nearestToBlock(tenantId: string, blockId: string, limit: number): Promise<VectorHit[] | null>;
}
