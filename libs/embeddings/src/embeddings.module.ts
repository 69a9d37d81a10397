import { Global, Module } from '@nestjs/common';
import { VECTOR_SEARCH } from '@app/common';
import { EMBEDDINGS_COVERAGE } from './embeddings-coverage.metric';
import { EMBEDDINGS_METRICS, EmbeddingsMetrics } from './embeddings-metrics';
import { EmbeddingsPoller } from './embeddings-poller';
import { EmbeddingsRepository } from './embeddings.repository';
import { EmbeddingsService } from './embeddings.service';
import { EmbeddingProvider } from './provider/embedding-provider';
import { VECTOR_STORE_PROVIDER } from './storage/vector-store.provider';

/**
 * Block embeddings through an OpenAI-compatible provider, kept fresh by an outbox poller, and
 * the vector search other modules use through VECTOR_SEARCH (global: consumers need no import).
 */
@Global()
@Module({
  providers: [
    EmbeddingsRepository,
    ...EMBEDDINGS_METRICS,
    EMBEDDINGS_COVERAGE,
    EmbeddingsMetrics,
    EmbeddingProvider,
    VECTOR_STORE_PROVIDER,
    EmbeddingsService,
    EmbeddingsPoller,
    { provide: VECTOR_SEARCH, useExisting: EmbeddingsService },
  ],
  exports: [EmbeddingsService, VECTOR_SEARCH],
})
export class EmbeddingsModule {}
