import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { EmbeddingsService } from '@app/embeddings';
import {
  InjectMetric,
  appCounterProvider,
  appGaugeProvider,
  appHistogramProvider,
} from '@app/metrics';
import { ClassifierModelsRepository } from './classifier-models.repository';

/** Operations of this module: a fixed set, so they are safe as label values. */
export type MlOperation =
  'analyze' | 'entities' | 'summarize' | 'train' | 'classify' | 'suggest_tags' | 'embeddings';

/**
 * How a request ended: answered; refused with a problem of its own (bad input, a cap, no model,
 * no provider, busy workers); or failed unexpectedly (a 500).
 */
export type MlResult = 'success' | 'refused' | 'failed';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * ML metrics, provided by this module in the app's registry: requests by operation and result,
 * processing time by operation, and the status of each model (analyser ready, embeddings
 * provider configured, tenants with a trained classifier, read from the database at scrape time).
 */
export const ML_METRICS = [
  appCounterProvider({
    name: 'ml_requests_total',
    help: 'ML requests by operation (analyze, entities, summarize, train, classify, suggest_tags, embeddings) and result (success, refused, failed)',
    labelNames: ['operation', 'result'],
  }),
  appHistogramProvider({
    name: 'ml_processing_duration_seconds',
    help: 'Time an ML operation takes, slot wait and worker thread included, by operation',
    labelNames: ['operation'],
    buckets: BUCKETS,
  }),
  appGaugeProvider({
    name: 'ml_model_status',
    help: 'Model status: analyzer 1 when the offline analyser is available, embeddings 1 when a provider is configured',
    labelNames: ['model'],
    inject: [EmbeddingsService],
    collect(embeddings: EmbeddingsService) {
      this.set({ model: 'analyzer' }, 1);
      this.set({ model: 'embeddings' }, embeddings.configured ? 1 : 0);
    },
  }),
  appGaugeProvider({
    name: 'ml_classifier_trained_tenants',
    help: 'Tenants with at least one trained classifier',
    inject: [ClassifierModelsRepository],
    async collect(models: ClassifierModelsRepository) {
      try {
        this.set(await models.trainedTenants());
      } catch {
        // No sample while the database is away; the scrape must not fail.
        this.reset();
      }
    },
  }),
];

/** Times and counts the module's operations on its two request metrics. */
@Injectable()
export class MlMetrics {
  constructor(
    @InjectMetric('ml_requests_total') readonly requests: Counter<'operation' | 'result'>,
    @InjectMetric('ml_processing_duration_seconds') readonly duration: Histogram<'operation'>,
  ) {}

  /** Times `work` and counts its outcome by the status of what it threw. */
  async observe<T>(operation: MlOperation, work: () => Promise<T>): Promise<T> {
    const stop = this.duration.startTimer({ operation });
    try {
      const result = await work();
      this.requests.inc({ operation, result: 'success' });
      return result;
    } catch (error) {
      const status = (error as { status?: unknown } | null)?.status;
      const refused = typeof status === 'number' && status !== 500;
      this.requests.inc({ operation, result: refused ? 'refused' : 'failed' });
      throw error;
    } finally {
      stop();
    }
  }
}
