import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '@app/metrics';
import { EmbeddingsRepository } from './embeddings.repository';

/** Why the provider was called: the poller's re-embedding, or a request (route or query). */
export type ProviderCaller = 'poller' | 'request';

const BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Embeddings metrics on the app's registry: the outbox backlog (read at scrape time), blocks
 * embedded, and provider requests by duration and errors. Labels come from fixed sets only.
 */
@Injectable()
export class EmbeddingsMetrics {
  readonly embedded: Counter;
  readonly providerDuration: Histogram<'caller'>;
  readonly providerErrors: Counter<'caller' | 'kind'>;

  constructor(metrics: MetricsService, repository: EmbeddingsRepository) {
    const registers = [metrics.registry];
    this.embedded = new Counter({
      name: 'embeddings_blocks_embedded_total',
      help: 'Block vectors written by this instance (new or re-embedded blocks)',
      registers,
    });
    this.providerDuration = new Histogram({
      name: 'embeddings_provider_request_duration_seconds',
      help: 'Duration of one HTTP request to the embedding provider, by caller (poller, request)',
      labelNames: ['caller'] as const,
      buckets: BUCKETS,
      registers,
    });
    this.providerErrors = new Counter({
      name: 'embeddings_provider_errors_total',
      help: 'Failed embedding provider requests by caller and kind (timeout, network, http_4xx, http_5xx, invalid)',
      labelNames: ['caller', 'kind'] as const,
      registers,
    });
    new Gauge({
      name: 'embeddings_backlog',
      help: 'Blocks waiting in the embedding outbox, every tenant together',
      registers,
      async collect() {
        try {
          this.set(await repository.outboxSize());
        } catch {
          // No sample while the database is away; the scrape must not fail.
          this.reset();
        }
      },
    });
  }
}
