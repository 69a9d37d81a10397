import { Inject, Injectable } from '@nestjs/common';
import { RequestContext, TenantConcurrency, type VectorHit, type VectorSearch } from '@app/common';
import { EmbeddingsErrorCode, EmbeddingsException } from './embeddings.exception';
import { EmbeddingsRepository } from './embeddings.repository';
import { EmbeddingProvider } from './provider/embedding-provider';
import { VECTOR_STORE } from './storage/vector-store.provider';
import type { VectorStore } from './storage/vector-store';

/** Answer of the embeddings route: unit-length vectors, in the order of the texts. */
export interface EmbeddingsResult {
  model: string;
  dimensions: number;
  vectors: number[][];
}

/** The embedding provider's part of `GET /api/ml/status`, for the request's tenant. */
export interface EmbeddingsStatus {
  provider: 'none' | 'openai';
  model: string | null;
  dimensions: number | null;
  blocksEmbedded: number;
  blocksTotal: number;
  backlog: number;
}

const MAX_NEIGHBOURS = 100;

/**
 * Embeddings for requests, and the vector search block search consumes (VECTOR_SEARCH): every
 * provider call and every vector query runs in a slot of the tenant's `embed` class, and only
 * vectors of the configured model and dimensions are ever read.
 */
@Injectable()
export class EmbeddingsService implements VectorSearch {
  constructor(
    private readonly provider: EmbeddingProvider,
    private readonly repository: EmbeddingsRepository,
    private readonly concurrency: TenantConcurrency,
    @Inject(VECTOR_STORE) private readonly store: VectorStore | null,
  ) {}

  get configured(): boolean {
    return this.store !== null && this.provider.configured;
  }

  get model(): string | null {
    return this.configured ? `${this.provider.model}@${this.provider.dimensions}` : null;
  }

  /** Which storage answers vector queries; null without a provider. */
  get storage(): VectorStore['kind'] | null {
    return this.store?.kind ?? null;
  }

  async embed(texts: string[]): Promise<EmbeddingsResult> {
    this.storeOrNone();
    const dimensions = this.provider.dimensions;
    const vectors = await this.concurrency.run('embed', RequestContext.tenantId(), () =>
      this.provider.embed(texts, 'request'),
    );
    return {
      model: this.provider.model!,
      dimensions: dimensions!,
      vectors: vectors.map((v) => (v ? Array.from(v) : new Array<number>(dimensions!).fill(0))),
    };
  }

  async status(): Promise<EmbeddingsStatus> {
    const tenantId = RequestContext.tenantId();
    const { model, dimensions } = this.provider;
    if (!this.configured || !model || !dimensions) {
      const blocksTotal = await this.repository.countLive(tenantId);
      return {
        provider: 'none',
        model: null,
        dimensions: null,
        blocksEmbedded: 0,
        blocksTotal,
        backlog: 0,
      };
    }
    const { total, embedded } = await this.repository.coverage(tenantId, model, dimensions);
    return {
      provider: 'openai',
      model,
      dimensions,
      blocksEmbedded: embedded,
      blocksTotal: total,
      backlog: total - embedded,
    };
  }

  async nearestToText(tenantId: string, text: string, limit: number): Promise<VectorHit[]> {
    const store = this.storeOrNone();
    return this.concurrency.run('embed', tenantId, async () => {
      const [query] = await this.provider.embed([text], 'request');
      return query ? store.nearest(tenantId, query, clamp(limit)) : [];
    });
  }

  async nearestToBlock(
    tenantId: string,
    blockId: string,
    limit: number,
  ): Promise<VectorHit[] | null> {
    const store = this.storeOrNone();
    return this.concurrency.run('embed', tenantId, async () => {
      const query = await store.vectorOf(tenantId, blockId);
      return query ? store.nearest(tenantId, query, clamp(limit), blockId) : null;
    });
  }

  /** Consumers check `configured` first; one that did not gets the 503, not a 500. */
  private storeOrNone(): VectorStore {
    if (!this.store || !this.provider.configured) {
      throw new EmbeddingsException(EmbeddingsErrorCode.EMBEDDINGS_NOT_CONFIGURED);
    }
    return this.store;
  }
}

function clamp(limit: number): number {
  return Math.max(1, Math.min(MAX_NEIGHBOURS, Math.floor(limit) || 1));
}
