import type { Logger } from 'pino';
import { ProblemException } from '@app/common';
import { loadConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import {
  EMBEDDINGS_METRICS,
  EmbeddingsMetrics,
} from '../../libs/embeddings/src/embeddings-metrics';
import type { EmbeddingsRepository } from '../../libs/embeddings/src/embeddings.repository';
import { EmbeddingProvider } from '../../libs/embeddings/src/provider/embedding-provider';
import { appMetric } from '../support/app-metrics';
import { EmbeddingStandIn } from '../support/embedding-stand-in';
import { parsePrometheus, sum } from '../support/prometheus';

const DIMENSIONS = 16;
const logger = { warn: () => undefined, info: () => undefined } as unknown as Logger;
const noOutbox = { outboxSize: () => Promise.resolve(0) } as unknown as EmbeddingsRepository;
/** The module's metrics on one app's registry, as the module provides them. */
const embeddingsMetrics = (metrics: MetricsService) => {
  const [embedded, duration, errors] = EMBEDDINGS_METRICS.map((provider) =>
    appMetric<never>(provider, metrics, noOutbox),
  );
  return new EmbeddingsMetrics(embedded, duration, errors);
};

/**
 * The provider client over real HTTP against a stand-in for an OpenAI-compatible server (hashed
 * bag-of-words vectors): batching, bounded retries, timeouts and refusals of bad answers.
 */
describe('embeddings: the OpenAI-compatible client (against a stand-in)', () => {
  const standIn = new EmbeddingStandIn(DIMENSIONS);
  let metrics: MetricsService;

  const provider = (env: Record<string, string> = {}) => {
    metrics = new MetricsService();
    const config = loadConfig({
      DATA_DIR: '/tmp/cb-embeddings-provider-spec',
      JWT_SECRET: 'x'.repeat(40),
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_URL: standIn.url,
      EMBEDDINGS_MODEL: 'bow',
      EMBEDDINGS_DIMENSIONS: String(DIMENSIONS),
      EMBEDDINGS_RETRIES: '2',
      ...env,
    });
    return new EmbeddingProvider(config, embeddingsMetrics(metrics), logger);
  };
  const samples = async () => parsePrometheus(await metrics.registry.metrics());
  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProblemException);
    return error as ProblemException;
  };

  beforeAll(() => standIn.start());
  afterAll(() => standIn.stop());
  beforeEach(() => {
    standIn.requests.length = 0;
    standIn.failNext = 0;
    standIn.failWith = undefined;
    standIn.delayMs = 0;
  });

  it('sends batches of EMBEDDINGS_BATCH_SIZE and answers unit vectors in the order of the texts', async () => {
    const texts = ['one apple', 'two pears', 'one apple', 'a plum', 'more plums'];
    const vectors = await provider({ EMBEDDINGS_BATCH_SIZE: '2' }).embed(texts, 'request');
    expect(standIn.requests.map((r) => r.input.length)).toEqual([2, 2, 1]);
    expect(standIn.requests[0].dimensions).toBeUndefined();
    expect(vectors).toHaveLength(5);
    const norm = Math.hypot(...vectors[0]!);
    expect(norm).toBeCloseTo(1, 5);
    expect(Array.from(vectors[2]!)).toEqual(Array.from(vectors[0]!));
  });

  it('retries a 503 with backoff and then succeeds', async () => {
    standIn.failNext = 2;
    const vectors = await provider().embed(['hello'], 'poller');
    expect(vectors).toHaveLength(1);
    expect(standIn.requests).toHaveLength(3);
    const s = await samples();
    expect(sum(s, 'embeddings_provider_errors_total', { caller: 'poller', kind: 'http_5xx' })).toBe(
      2,
    );
    expect(sum(s, 'embeddings_provider_request_duration_seconds_count', { caller: 'poller' })).toBe(
      3,
    );
  });

  it('gives up after EMBEDDINGS_RETRIES retries with a 503 problem', async () => {
    standIn.failWith = 503;
    const error = await refusal(provider({ EMBEDDINGS_RETRIES: '1' }).embed(['x'], 'request'));
    expect(error.status).toBe(503);
    expect(error.reason).toBe('EMBEDDINGS_PROVIDER_FAILED');
    expect(standIn.requests).toHaveLength(2);
  });

  it('does not retry a 400, and never retries a vector of the wrong length', async () => {
    standIn.failWith = 400;
    await refusal(provider().embed(['x'], 'request'));
    expect(standIn.requests).toHaveLength(1);
    standIn.failWith = undefined;
    standIn.requests.length = 0;
    const error = await refusal(provider({ EMBEDDINGS_DIMENSIONS: '8' }).embed(['x'], 'request'));
    expect(error.detail).toMatch(/16 dimensions; EMBEDDINGS_DIMENSIONS is 8/);
    expect(standIn.requests).toHaveLength(1);
    expect(sum(await samples(), 'embeddings_provider_errors_total', { kind: 'invalid' })).toBe(1);
  });

  it('times a slow provider out after EMBEDDINGS_TIMEOUT_MS', async () => {
    standIn.delayMs = 2_000;
    await refusal(
      provider({ EMBEDDINGS_TIMEOUT_MS: '200', EMBEDDINGS_RETRIES: '0' }).embed(['x'], 'request'),
    );
    expect(sum(await samples(), 'embeddings_provider_errors_total', { kind: 'timeout' })).toBe(1);
  });

  it('sends dimensions only when asked, and cuts long texts before sending', async () => {
    await provider({ EMBEDDINGS_REQUEST_DIMENSIONS: 'true' }).embed(
      ['y'.repeat(20_000)],
      'request',
    );
    expect(standIn.requests[0].dimensions).toBe(DIMENSIONS);
    expect(standIn.requests[0].input[0]).toHaveLength(8_000);
  });

  it('refuses with 503 EMBEDDINGS_NOT_CONFIGURED without a provider, sending nothing', async () => {
    const none = new EmbeddingProvider(
      loadConfig({ DATA_DIR: '/tmp/cb-embeddings-provider-spec', JWT_SECRET: 'x'.repeat(40) }),
      embeddingsMetrics(new MetricsService()),
      logger,
    );
    expect(none.configured).toBe(false);
    const error = await refusal(none.embed(['x'], 'request'));
    expect(error.reason).toBe('EMBEDDINGS_NOT_CONFIGURED');
    expect(standIn.requests).toHaveLength(0);
  });
});
