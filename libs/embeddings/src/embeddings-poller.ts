import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/common';
import { AppConfig } from '@app/config';
import {
  BACKFILL_LIMIT,
  CLAIM_LIMIT,
  MAX_INPUT_CHARS,
  MAX_POLL_BACKOFF_MS,
} from './embeddings-limits';
import { EmbeddingsMetrics } from './embeddings-metrics';
import { EmbeddingsRepository } from './embeddings.repository';
import { EmbeddingProvider } from './provider/embedding-provider';
import { VECTOR_STORE } from './storage/vector-store.provider';
import type { VectorStore, VectorWrite } from './storage/vector-store';

type Round = 'busy' | 'idle' | 'failed';

/**
 * Drains the embedding outbox in the background on every replica: claims a bounded batch
 * (SKIP LOCKED, so replicas share the work), embeds what changed, writes the vectors, and
 * repeats at once while there is work, every EMBEDDINGS_POLL_INTERVAL_MS when idle, and with
 * a doubling pause (at most five minutes) while the provider or the database fails. It never
 * runs inside a request and holds no connection while the provider answers.
 */
@Injectable()
export class EmbeddingsPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private failures = 0;
  /** Set once a backfill round finds nothing more to enqueue for this model. */
  private backfilled = false;
  private readonly intervalMs: number;
  private readonly leaseSeconds: number;

  constructor(
    config: AppConfig,
    private readonly repository: EmbeddingsRepository,
    private readonly provider: EmbeddingProvider,
    private readonly metrics: EmbeddingsMetrics,
    @Inject(VECTOR_STORE) private readonly store: VectorStore | null,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const { pollIntervalMs, timeoutMs, retries, batchSize } = config.embeddings;
    this.intervalMs = pollIntervalMs;
    // Long enough for every batch of a claim to use all its retries, so rows are never
    // claimed twice while still being worked on.
    const requests = Math.ceil(CLAIM_LIMIT / batchSize);
    this.leaseSeconds = Math.ceil((requests * (retries + 1) * (timeoutMs + 5_000)) / 1000) + 30;
  }

  onApplicationBootstrap(): void {
    if (this.store && this.provider.configured) this.schedule(0);
  }

  /** Before the data source closes (on application shutdown): the last round finishes first. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let round: Round;
    try {
      round = await this.round();
    } catch (error) {
      if (!this.stopped) this.logger.warn({ err: error }, 'embeddings poller round failed');
      round = 'failed';
    }
    this.failures = round === 'failed' ? this.failures + 1 : 0;
    const pause =
      round === 'busy'
        ? 0
        : round === 'idle'
          ? this.intervalMs
          : Math.min(MAX_POLL_BACKOFF_MS, this.intervalMs * 2 ** Math.min(this.failures, 20));
    this.schedule(pause);
  }

  /** One bounded round: claim, read, embed, write, release. */
  private async round(): Promise<Round> {
    const store = this.store!;
    const model = this.provider.model!;
    const dimensions = this.provider.dimensions!;
    const claimed = await this.repository.claim(CLAIM_LIMIT, this.leaseSeconds);
    if (claimed.length === 0) {
      if (this.backfilled) return 'idle';
      const added = await this.repository.backfill(model, dimensions, BACKFILL_LIMIT);
      // A short batch was the last: every block still lacking a vector is now in the outbox
      // (one that can never get one, e.g. a zero vector, must not be enqueued round after round).
      if (added < BACKFILL_LIMIT) this.backfilled = true;
      return added > 0 ? 'busy' : 'idle';
    }
    const blocks = await this.repository.texts(claimed, MAX_INPUT_CHARS, model, dimensions);
    // Deleted, gone, or unchanged since its vector was made: nothing to send.
    const todo = blocks.filter(
      (block) =>
        block.live && block.hash && !(block.current_hash && block.current_hash.equals(block.hash)),
    );
    if (todo.length > 0) {
      let vectors: Array<Float32Array | null>;
      try {
        vectors = await this.provider.embed(
          todo.map((block) => block.text ?? ''),
          'poller',
        );
      } catch (error) {
        await this.repository.retryLater(claimed, this.intervalMs / 1000);
        this.logger.debug({ err: error, blocks: claimed.length }, 'embeddings deferred');
        return 'failed';
      }
      const writes: VectorWrite[] = [];
      todo.forEach((block, i) => {
        const vector = vectors[i];
        if (vector) {
          writes.push({
            tenantId: block.tenant_id,
            blockId: block.block_id,
            hash: block.hash!,
            vector,
          });
        }
      });
      await store.save(writes);
      this.metrics.embedded.inc(writes.length);
    }
    await this.repository.finish(claimed);
    return 'busy';
  }
}
