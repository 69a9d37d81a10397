import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import {
  InjectMetric,
  appCounterProvider,
  appGaugeProvider,
  appHistogramProvider,
} from '@app/metrics';
import { EmbeddingsRepository } from './embeddings.repository';

/** Why the provider was called: the poller's re-embedding, or a request (route or query). */
export type ProviderCaller = 'poller' | 'request';

const BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Embeddings metrics, provided by this module in the app's registry: the outbox backlog (read at
 * scrape time), blocks embedded, and provider requests by duration and errors. Labels come from
 * fixed sets only.
 */
export const EMBEDDINGS_METRICS = [
  appCounterProvider({
    name: 'embeddings_blocks_embedded_total',
    help: 'Block vectors written by this instance (new or re-embedded blocks)',
  }),
  appHistogramProvider({
    name: 'embeddings_provider_request_duration_seconds',
    help: 'Duration of one HTTP request to the embedding provider, by caller (poller, request)',
    labelNames: ['caller'],
    buckets: BUCKETS,
  }),
  appCounterProvider({
    name: 'embeddings_provider_errors_total',
    help: 'Failed embedding provider requests by caller and kind (timeout, network, http_4xx, http_5xx, invalid)',
    labelNames: ['caller', 'kind'],
  }),
  appGaugeProvider({
    name: 'embeddings_backlog',
    help: 'Blocks waiting in the embedding outbox, every tenant together',
    inject: [EmbeddingsRepository],
    async collect(repository: EmbeddingsRepository) {
      try {
        this.set(await repository.outboxSize());
      } catch {
        // No sample while the database is away; the scrape must not fail.
        this.reset();
      }
    },
  }),
];

/** The metrics the poller and the provider client write to. */
@Injectable()
export class EmbeddingsMetrics {
  constructor(
    @InjectMetric('embeddings_blocks_embedded_total') readonly embedded: Counter,
    @InjectMetric('embeddings_provider_request_duration_seconds')
    readonly providerDuration: Histogram<'caller'>,
    @InjectMetric('embeddings_provider_errors_total')
    readonly providerErrors: Counter<'caller' | 'kind'>,
  ) {}
}
