import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/common';
import { AppConfig } from '@app/config';
import { EmbeddingsErrorCode, EmbeddingsException } from '../embeddings.exception';
import { MAX_INPUT_CHARS } from '../embeddings-limits';
import { EmbeddingsMetrics, type ProviderCaller } from '../embeddings-metrics';
import { normalize } from '../vector-codec';
import { type OpenAiCompatibleOptions, requestEmbeddings } from './openai-compatible.client';
import { ProviderError } from './provider-error';

/** Longest wait between two attempts, whatever Retry-After says: attempts stay bounded. */
const MAX_RETRY_WAIT_MS = 5_000;
const FIRST_RETRY_WAIT_MS = 250;

/**
 * The configured embedding provider: texts in, unit vectors out, in batches of
 * EMBEDDINGS_BATCH_SIZE, each request retried on timeouts, network errors, 429 and 5xx with
 * exponential backoff (at most EMBEDDINGS_RETRIES times), and metered.
 */
@Injectable()
export class EmbeddingProvider {
  /** Null without a provider. */
  private readonly options: OpenAiCompatibleOptions | null;
  private readonly batchSize: number;
  private readonly retries: number;

  constructor(
    config: AppConfig,
    private readonly metrics: EmbeddingsMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const { embeddings } = config;
    this.batchSize = embeddings.batchSize;
    this.retries = embeddings.retries;
    this.options =
      embeddings.provider === 'openai'
        ? {
            url: embeddings.url!,
            model: embeddings.model!,
            dimensions: embeddings.dimensions!,
            apiKey: embeddings.apiKey,
            requestDimensions: embeddings.requestDimensions,
            timeoutMs: embeddings.timeoutMs,
          }
        : null;
  }

  get configured(): boolean {
    return this.options !== null;
  }

  get model(): string | null {
    return this.options?.model ?? null;
  }

  get dimensions(): number | null {
    return this.options?.dimensions ?? null;
  }

  /**
   * Unit vectors of `texts`, in order; a zero vector (no direction) is null. Throws a 503
   * problem without a provider or when it keeps failing; `ProviderError` is its cause.
   */
  async embed(texts: string[], caller: ProviderCaller): Promise<Array<Float32Array | null>> {
    const options = this.options;
    if (!options) throw new EmbeddingsException(EmbeddingsErrorCode.EMBEDDINGS_NOT_CONFIGURED);
    const out: Array<Float32Array | null> = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize).map(cut);
      const vectors = await this.withRetries(options, batch, caller);
      out.push(...vectors.map(normalize));
    }
    return out;
  }

  private async withRetries(
    options: OpenAiCompatibleOptions,
    texts: string[],
    caller: ProviderCaller,
  ): Promise<number[][]> {
    for (let attempt = 0; ; attempt++) {
      const stop = this.metrics.providerDuration.startTimer({ caller });
      try {
        return await requestEmbeddings(options, texts);
      } catch (error) {
        const failure =
          error instanceof ProviderError ? error : new ProviderError('network', 'failed', true);
        this.metrics.providerErrors.inc({ caller, kind: failure.kind });
        if (!failure.retryable || attempt >= this.retries) throw this.refusal(failure, caller);
        const backoff = FIRST_RETRY_WAIT_MS * 2 ** attempt * (0.5 + Math.random());
        const asked = (failure.retryAfterSeconds ?? 0) * 1000;
        await sleep(Math.min(MAX_RETRY_WAIT_MS, Math.max(backoff, asked)));
      } finally {
        stop();
      }
    }
  }

  private refusal(failure: ProviderError, caller: ProviderCaller): EmbeddingsException {
    // The URL and the failure only: the key travels in a header and is never logged.
    this.logger.warn(
      { provider: this.options?.url, kind: failure.kind, caller },
      `embedding provider ${failure.message}`,
    );
    const refusal = new EmbeddingsException(
      EmbeddingsErrorCode.EMBEDDINGS_PROVIDER_FAILED,
      `The embedding provider ${failure.message}; retry later`,
      { 'retry-after': '5' },
    );
    (refusal as { cause?: unknown }).cause = failure;
    return refusal;
  }
}

function cut(text: string): string {
  return text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text;
}
