import { appGaugeProvider } from '@app/metrics';
import { EmbeddingsRepository } from './embeddings.repository';
import { EmbeddingProvider } from './provider/embedding-provider';

/**
 * `embeddings_coverage_ratio`, read at scrape time: the share of live blocks with a current
 * vector of the configured model and dimensions (1 when there are no blocks), every tenant
 * together; absent without a provider. Its own file: the provider imports the other metrics.
 */
export const EMBEDDINGS_COVERAGE = appGaugeProvider({
  name: 'embeddings_coverage_ratio',
  help: 'Share of live blocks with a current vector of the configured model and dimensions, every tenant together',
  inject: [EmbeddingsRepository, EmbeddingProvider],
  async collect(repository: EmbeddingsRepository, provider: EmbeddingProvider) {
    const { model, dimensions } = provider;
    if (!model || !dimensions) return this.reset();
    try {
      const { total, embedded } = await repository.coverageOfAll(model, dimensions);
      this.set(total === 0 ? 1 : embedded / total);
    } catch {
      // No sample while the database is away; the scrape must not fail.
      this.reset();
    }
  },
});
